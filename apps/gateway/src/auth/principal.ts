export type Role = 'video:generate' | 'video:admin';

/** Who is calling: `owner` scopes what they may see (the tenant claim when present, else `sub`). */
export interface Principal {
  subject: string;
  owner: string;
  roles: ReadonlySet<string>;
}

export const ADMIN_ROLE: Role = 'video:admin';
export const GENERATE_ROLE: Role = 'video:generate';

interface Claims {
  sub?: unknown;
  tenant?: unknown;
  roles?: unknown;
  scope?: unknown;
  scp?: unknown;
  realm_access?: unknown;
}

/**
 * Roles come from a `roles` claim, from `scope` (space-separated) / `scp` (array or string) as Spring
 * Security reads them (`SCOPE_` prefixes are accepted too), or from Keycloak's `realm_access.roles`.
 */
export function principalFromClaims(claims: Claims): Principal | null {
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) return null;
  const roles = new Set<string>();
  const add = (value: unknown) => {
    const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
    for (const item of list) if (typeof item === 'string' && item) roles.add(item.replace(/^SCOPE_/, ''));
  };
  add(claims.roles);
  add(claims.scope);
  add(claims.scp);
  if (typeof claims.realm_access === 'object' && claims.realm_access !== null) add((claims.realm_access as { roles?: unknown }).roles);
  const tenant = typeof claims.tenant === 'string' && claims.tenant.length > 0 ? claims.tenant : undefined;
  return { subject: claims.sub, owner: tenant ?? claims.sub, roles };
}

export const isAdmin = (principal: Principal): boolean => principal.roles.has(ADMIN_ROLE);

/** True when the principal holds one of `roles`; the admin role stands for every role. */
export const hasAnyRole = (principal: Principal, roles: readonly Role[]): boolean =>
  isAdmin(principal) || roles.some((role) => principal.roles.has(role));
