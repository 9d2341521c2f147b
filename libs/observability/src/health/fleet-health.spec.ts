import { isHealthyService, modelCoverage, parseFleetHash, type FleetEntry } from './fleet-health.js';

const NOW = Date.parse('2030-01-01T00:00:10Z');
const entry = (overrides: Partial<FleetEntry>): FleetEntry => ({
  url: 'http://gpu-0:9100',
  state: 'READY',
  model: 'easyanimate-v5.1-12b',
  breaker: 'CLOSED',
  lastSeen: '2030-01-01T00:00:09Z',
  ...overrides,
});

describe('isHealthyService', () => {
  it.each([
    ['READY', 'CLOSED', true],
    ['BUSY', 'CLOSED', true],
    ['BUSY', 'HALF_OPEN', true],
    ['READY', 'OPEN', false],
    ['STARTING', 'CLOSED', false],
    ['FAILED', 'CLOSED', false],
    ['DOWN', 'CLOSED', false],
    ['UNKNOWN', 'CLOSED', false],
  ])('state %s with breaker %s → %p', (state, breaker, healthy) => {
    expect(isHealthyService(entry({ state, breaker }), NOW)).toBe(healthy);
  });

  it('needs a recent lastSeen when freshness is asked for', () => {
    expect(isHealthyService(entry({}), NOW, 5_000)).toBe(true);
    expect(isHealthyService(entry({ lastSeen: '2030-01-01T00:00:00Z' }), NOW, 5_000)).toBe(false);
    expect(isHealthyService(entry({ lastSeen: null }), NOW, 5_000)).toBe(false);
  });
});

describe('modelCoverage', () => {
  const models = ['easyanimate-v5.1-12b', 'wan2.1-t2v-14b'];

  it('is ready when every configured model has a healthy service', () => {
    const coverage = modelCoverage(models, [
      entry({}),
      entry({ url: 'http://gpu-1:9100', state: 'DOWN' }),
      entry({ url: 'http://gpu-2:9100', model: 'wan2.1-t2v-14b', state: 'BUSY' }),
    ], NOW);
    expect(coverage).toEqual({
      ready: true,
      models: { 'easyanimate-v5.1-12b': { healthy: 1, total: 2 }, 'wan2.1-t2v-14b': { healthy: 1, total: 1 } },
    });
  });

  it('is not ready when one model has no healthy service, or no service at all', () => {
    expect(modelCoverage(models, [entry({})], NOW).ready).toBe(false);
    expect(modelCoverage(models, [entry({}), entry({ model: 'wan2.1-t2v-14b', breaker: 'OPEN' })], NOW).ready).toBe(false);
    expect(modelCoverage(['easyanimate-v5.1-12b'], [], NOW).ready).toBe(false);
  });

  it('ignores services of models that are not configured', () => {
    expect(modelCoverage(['easyanimate-v5.1-12b'], [entry({ model: 'other' })], NOW).models).toEqual({ 'easyanimate-v5.1-12b': { healthy: 0, total: 0 } });
  });
});

describe('parseFleetHash', () => {
  it('reads the JSON entries sorted by URL and skips what it cannot read', () => {
    const entries = parseFleetHash({
      b: JSON.stringify(entry({ url: 'http://b:9100' })),
      a: JSON.stringify(entry({ url: 'http://a:9100', model: null })),
      broken: '{not json',
      other: JSON.stringify({ hello: 'world' }),
    });
    expect(entries.map((e) => e.url)).toEqual(['http://a:9100', 'http://b:9100']);
    expect(entries[0]?.model).toBeNull();
  });
});
