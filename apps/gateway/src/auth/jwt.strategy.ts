import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Algorithm } from 'jsonwebtoken';
import { ExtractJwt, Strategy, type SecretOrKeyProvider } from 'passport-jwt';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { JwksKeys } from './jwks-keys.js';
import { principalFromClaims, type Principal } from './principal.js';

export const HMAC_ALGORITHMS: readonly Algorithm[] = ['HS256', 'HS384', 'HS512'];
export const ASYMMETRIC_ALGORITHMS: readonly Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/**
 * Chooses the key by the token's `alg`, from an allow-list: the shared secret only ever verifies HMAC
 * tokens and JWKS keys only asymmetric ones, so neither `alg: none` nor HS/RS confusion (an HS256 token
 * "signed" with the public key) gets through. The secret is a KeyObject: jsonwebtoken verifies with it
 * about 50x faster than with a string (REFERENCE.md §3).
 */
export function keyProviderFor(config: AppConfig): { provider: SecretOrKeyProvider; algorithms: Algorithm[] } {
  const secret: KeyObject | undefined = config.JWT_SECRET ? createSecretKey(Buffer.from(config.JWT_SECRET)) : undefined;
  const jwks = config.JWT_JWKS_URI ? new JwksKeys(config.JWT_JWKS_URI, config.JWT_JWKS_CACHE_MAX_AGE_MS) : undefined;
  const algorithms = [...(secret ? HMAC_ALGORITHMS : []), ...(jwks ? ASYMMETRIC_ALGORITHMS : [])];
  const provider: SecretOrKeyProvider = (_request, rawToken, done) => {
    const header = tokenHeader(rawToken);
    const alg = header?.alg;
    if (secret && alg && (HMAC_ALGORITHMS as readonly string[]).includes(alg)) return done(null, secret as unknown as string);
    if (jwks && alg && (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      jwks.keyFor(header?.kid).then(
        (key) => done(null, key as unknown as string),
        (error: Error) => done(new UnauthorizedException(jwksFailure(error, header?.kid))),
      );
      return;
    }
    return done(new UnauthorizedException(`token algorithm ${alg ?? 'unknown'} is not accepted`));
  };
  return { provider, algorithms };
}

function jwksFailure(error: Error, kid: string | undefined): string {
  if (error.name === 'SigningKeyNotFoundError') return `no signing key ${kid ? `with kid ${JSON.stringify(kid.slice(0, 64))} ` : ''}in the JWKS`;
  if (error.name === 'JwksRateLimitError') return 'unknown signing key (JWKS refresh rate limit reached)';
  return 'the JWKS could not be fetched';
}

function tokenHeader(rawToken: string): { alg?: string; kid?: string } | undefined {
  try {
    const header = JSON.parse(Buffer.from(rawToken.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
    return {
      alg: typeof header.alg === 'string' ? header.alg : undefined,
      kid: typeof header.kid === 'string' ? header.kid : undefined,
    };
  } catch {
    return undefined;
  }
}

const audiences = (value: string | undefined): string | [string, ...string[]] | undefined => {
  const list = (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : (list as [string, ...string[]]);
};

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { provider, algorithms } = keyProviderFor(config);
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: provider,
      algorithms,
      issuer: config.JWT_ISSUER,
      audience: audiences(config.JWT_AUDIENCE),
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.JWT_CLOCK_SKEW_SECONDS },
    });
  }

  /** jsonwebtoken has checked signature, alg, iss, aud, exp and nbf; a token must also expire and name its subject. */
  validate(claims: Record<string, unknown>): Principal {
    if (typeof claims.exp !== 'number') throw new UnauthorizedException('token has no exp claim');
    const principal = principalFromClaims(claims);
    if (!principal) throw new UnauthorizedException('token has no sub claim');
    return principal;
  }
}
