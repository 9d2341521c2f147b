import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ProblemException } from '../problem/problem.js';
import type { Principal } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';
import { bearerToken, VerifiedTokens } from './verified-tokens.js';

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: Principal;
}

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly verified = new VerifiedTokens();

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const authorization = request.headers.authorization;
    const token = bearerToken(typeof authorization === 'string' ? authorization : undefined);
    const known = token === undefined ? undefined : this.verified.get(token);
    if (known) {
      request.user = known;
      return true;
    }
    const allowed = (await super.canActivate(context)) as boolean;
    if (allowed && token !== undefined && request.user) this.verified.remember(token, request.user);
    return allowed;
  }

  override handleRequest<T>(error: unknown, principal: T, info: unknown): T {
    if (principal && !error) return principal;
    const reason = error instanceof Error ? error.message : info instanceof Error ? info.message : 'No auth token';
    // RFC 6750 §3: no error code when no token came, invalid_token when one did.
    const missing = reason === 'No auth token';
    throw new ProblemException(401, 'unauthorized', 'Unauthorized', missing ? 'a bearer token is required' : reason, {}, {
      'WWW-Authenticate': missing ? 'Bearer' : `Bearer error="invalid_token", error_description="${reason.replace(/[^\x20-\x7e]|["\\]/g, '').slice(0, 200)}"`,
    });
  }
}

