import type { Principal } from './principal.js';

const MAX_ENTRIES = 10_000;
/** Bounds how long a token outlives the retirement of its JWKS key in this cache. */
const MAX_REUSE_MS = 60_000;

/**
 * Tokens that passport-jwt has already verified, so a client polling with the same token is not
 * re-verified on every request. The key is the whole token, signature included, so only the exact
 * bytes that passed verification ever match; an entry lives until the token's `exp`, at most a minute.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  get(token: string, now = Date.now()): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until > now) return entry.principal;
    this.entries.delete(token);
    return undefined;
  }

  remember(token: string, principal: Principal, now = Date.now()): void {
    const exp = expiryOf(token);
    if (exp === undefined) return;
    const until = Math.min(exp * 1000, now + MAX_REUSE_MS);
    if (until <= now) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, { principal, until });
  }
}

function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

/** The bearer token of an Authorization header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  return header !== undefined && header.length > 7 && header.startsWith('Bearer ') ? header.slice(7) : undefined;
}
