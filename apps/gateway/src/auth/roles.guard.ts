import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../problem/problem.js';
import { GENERATE_ROLE, hasAnyRole, type Principal, type Role } from './principal.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRED_ROLES } from './roles.decorator.js';

const DEFAULT_ROLES: readonly Role[] = [GENERATE_ROLE];

/** Runs after JwtAuthGuard: the principal is on the request. Admins pass every role check. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets) ?? DEFAULT_ROLES;
    const principal = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (principal && hasAnyRole(principal, required)) return true;
    throw new ProblemException(403, 'forbidden', 'Forbidden', `this operation needs the role ${required.join(' or ')}`, {
      requiredRoles: required,
    });
  }
}
