import type { KeyObject } from 'node:crypto';
import jwt, { type Algorithm, type JwtPayload } from 'jsonwebtoken';
import type { AppConfig } from '@app/config';
import { keyProviderFor } from '../auth/jwt.strategy.js';
import { isAdmin, principalFromClaims, type Principal } from '../auth/principal.js';

export const ADMIN_COOKIE = 'videogw_admin_token';

export type AdminCheck = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; detail: string };

/**
 * Verifies a bearer token outside Nest's guards (bull-board is a plain Fastify plugin) with the same
 * keys, algorithms, issuer, audience and clock skew as the JwtStrategy, and requires the admin role.
 */
export function adminTokenVerifier(config: AppConfig): (token: string | undefined) => Promise<AdminCheck> {
  const { provider, algorithms } = keyProviderFor(config);
  const audience = (config.JWT_AUDIENCE ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  const keyFor = (token: string) =>
    new Promise<KeyObject | string>((resolve, reject) => {
      provider(undefined as never, token, (error, key) => (error || !key ? reject(error ?? new Error('no key')) : resolve(key as KeyObject | string)));
    });
  return async (token) => {
    if (!token) return { ok: false, status: 401, detail: 'a bearer token is required' };
    let claims: JwtPayload;
    try {
      const verified = jwt.verify(token, await keyFor(token), {
        algorithms: algorithms as Algorithm[],
        issuer: config.JWT_ISSUER,
        audience: audience.length === 0 ? undefined : audience.length === 1 ? audience[0] : (audience as [string, ...string[]]),
        clockTolerance: config.JWT_CLOCK_SKEW_SECONDS,
      });
      if (typeof verified === 'string') return { ok: false, status: 401, detail: 'token payload is not a JSON object' };
      claims = verified;
    } catch (error) {
      return { ok: false, status: 401, detail: error instanceof Error ? error.message : 'invalid token' };
    }
    if (typeof claims.exp !== 'number') return { ok: false, status: 401, detail: 'token has no exp claim' };
    const principal = principalFromClaims(claims);
    if (!principal) return { ok: false, status: 401, detail: 'token has no sub claim' };
    if (!isAdmin(principal)) return { ok: false, status: 403, detail: 'the queue board needs the role video:admin' };
    return { ok: true, principal };
  };
}

/** The token from `Authorization: Bearer`, else the board's cookie, else an `access_token` query parameter. */
export function tokenFrom(headers: { authorization?: string; cookie?: string }, query: unknown): { token?: string; fromQuery: boolean } {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer) return { token: bearer, fromQuery: false };
  const cookie = headers.cookie
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${ADMIN_COOKIE}=`))
    ?.slice(ADMIN_COOKIE.length + 1);
  if (cookie) return { token: decodeURIComponent(cookie), fromQuery: false };
  const fromQuery = typeof query === 'object' && query !== null ? (query as { access_token?: unknown }).access_token : undefined;
  return typeof fromQuery === 'string' && fromQuery ? { token: fromQuery, fromQuery: true } : { fromQuery: false };
}
