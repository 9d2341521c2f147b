import { loadConfig } from '@app/config';
import { rateLimitHeaders, rateLimitPolicies } from './rate-limit-policy.js';
import { trackerOf } from './tracker.js';

describe('rate limit policies', () => {
  it('defaults to submit 10 per 10 s and status 600 per minute', () => {
    const policies = rateLimitPolicies(loadConfig({}));
    expect(policies.submit).toEqual({ limit: 10, ttlMs: 10_000 });
    expect(policies.status).toEqual({ limit: 600, ttlMs: 60_000 });
    expect(policies.default).toEqual({ limit: 600, ttlMs: 60_000 });
  });

  it('reads each budget from the environment', () => {
    const policies = rateLimitPolicies(loadConfig({ THROTTLE_SUBMIT_LIMIT: '3', THROTTLE_SUBMIT_TTL_MS: '5000', THROTTLE_STATUS_LIMIT: '7' }));
    expect(policies.submit).toEqual({ limit: 3, ttlMs: 5_000 });
    expect(policies.status.limit).toBe(7);
  });

  it('writes the IETF RateLimit headers, never a negative remainder', () => {
    expect(rateLimitHeaders({ limit: 10, ttlMs: 10_000 }, 4, 7)).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '6',
      'RateLimit-Reset': '7',
      'RateLimit-Policy': '10;w=10',
    });
    expect(rateLimitHeaders({ limit: 10, ttlMs: 10_000 }, 12, 3)['RateLimit-Remaining']).toBe('0');
  });
});

describe('trackerOf', () => {
  const roles = new Set<string>();
  it('counts a principal by owner (tenant or sub), whatever its address', () => {
    expect(trackerOf({ user: { subject: 'alice', owner: 'acme', roles }, ip: '10.0.0.1' })).toBe('p:acme');
  });

  it('counts by address only where there is no principal, IPv6 per /64', () => {
    expect(trackerOf({ ip: '203.0.113.7' })).toBe('ip:203.0.113.7');
    expect(trackerOf({ ip: '2001:db8:1:2:aaaa::1' })).toBe('ip:2001:db8:1:2::/64');
    expect(trackerOf({ ip: '2001:db8:1:2:bbbb::2' })).toBe('ip:2001:db8:1:2::/64');
    expect(trackerOf({ ip: '::ffff:198.51.100.4' })).toBe('ip:198.51.100.4');
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
  });

  it('accepts true, a hop count or proxy addresses', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    const hops = loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY as (address: string, hop: number) => boolean;
    expect([hops('x', 0), hops('x', 1), hops('x', 2)]).toEqual([true, true, false]);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '192.168.1.1']);
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });
});
