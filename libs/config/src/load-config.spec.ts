import { ConfigError, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.MODEL_SERVICES).toEqual([]);
    expect(config.MODELS).toEqual(['easyanimate-v5.1-12b']);
  });

  it('parses lists of model service URLs', () => {
    const config = loadConfig({ MODEL_SERVICES: 'http://127.0.0.1:9100, http://127.0.0.1:9101' });
    expect(config.MODEL_SERVICES).toEqual(['http://127.0.0.1:9100', 'http://127.0.0.1:9101']);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['REDIS_URL', 'http://localhost'],
    ['MODEL_SERVICES', 'ftp://x'],
    ['LOG_LEVEL', 'loud'],
    ['MODEL_SERVICES_DNS', 'no-port'],
  ])('names %s when its value %p is bad', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^Invalid configuration:\\n  ${variable}:`));
  });

  it('never prints a secret value', () => {
    try {
      loadConfig({ JWT_SECRET: 'short' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(String(error)).toContain('JWT_SECRET');
      expect(String(error)).not.toContain('short"');
    }
  });
});
