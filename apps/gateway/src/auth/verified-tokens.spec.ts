import jwt from 'jsonwebtoken';
import type { Principal } from './principal.js';
import { bearerToken, VerifiedTokens } from './verified-tokens.js';

const alice: Principal = { subject: 'alice', owner: 'alice', roles: new Set(['video:generate']) };
const token = (expiresInSeconds: number) => jwt.sign({ sub: 'alice' }, 'secret-secret-secret', { expiresIn: expiresInSeconds });

describe('VerifiedTokens', () => {
  it('returns the principal of a remembered token', () => {
    const cache = new VerifiedTokens();
    const t = token(600);
    cache.remember(t, alice);
    expect(cache.get(t)).toBe(alice);
  });

  it('never matches a token that differs in any byte, such as a forged signature', () => {
    const cache = new VerifiedTokens();
    const t = token(600);
    cache.remember(t, alice);
    expect(cache.get(`${t.slice(0, -2)}xx`)).toBeUndefined();
  });

  it('forgets a token at its expiry, and after a minute at most', () => {
    const cache = new VerifiedTokens();
    const now = Date.now();
    const shortLived = token(5);
    const longLived = token(3600);
    cache.remember(shortLived, alice, now);
    cache.remember(longLived, alice, now);
    expect(cache.get(shortLived, now + 6_000)).toBeUndefined();
    expect(cache.get(longLived, now + 59_000)).toBe(alice);
    expect(cache.get(longLived, now + 61_000)).toBeUndefined();
  });

  it('does not remember a token without exp', () => {
    const cache = new VerifiedTokens();
    const t = jwt.sign({ sub: 'alice' }, 'secret-secret-secret');
    cache.remember(t, alice);
    expect(cache.get(t)).toBeUndefined();
  });

  it('reads only Bearer authorization headers', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
  });
});
