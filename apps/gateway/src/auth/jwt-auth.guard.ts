import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ProblemException } from '../problem/problem.js';
import { IS_PUBLIC } from './public.decorator.js';

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic ? true : super.canActivate(context);
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

