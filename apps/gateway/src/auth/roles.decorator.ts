import { SetMetadata } from '@nestjs/common';
import type { Role } from './principal.js';

export const REQUIRED_ROLES = 'requiredRoles';

/**
 * The roles a route accepts (any one of them; `video:admin` is always accepted). Routes without it need
 * `video:generate`: a token from the same identity provider that carries none of our roles gets 403.
 */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
