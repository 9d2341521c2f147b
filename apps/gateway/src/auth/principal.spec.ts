import { hasAnyRole, principalFromClaims } from './principal.js';

describe('principalFromClaims', () => {
  it('needs a non-empty sub', () => {
    expect(principalFromClaims({})).toBeNull();
    expect(principalFromClaims({ sub: '' })).toBeNull();
    expect(principalFromClaims({ sub: 42 })).toBeNull();
  });

  it('owns tasks as the tenant when there is one, else as the subject', () => {
    expect(principalFromClaims({ sub: 'alice' })).toMatchObject({ subject: 'alice', owner: 'alice' });
    expect(principalFromClaims({ sub: 'alice', tenant: 'acme' })).toMatchObject({ subject: 'alice', owner: 'acme' });
    expect(principalFromClaims({ sub: 'alice', tenant: '' })).toMatchObject({ owner: 'alice' });
  });

  it.each([
    ['a roles array', { roles: ['video:generate'] }],
    ['a space-separated scope (OAuth2)', { scope: 'openid video:generate profile' }],
    ['an scp array (Azure AD, Okta)', { scp: ['video:generate'] }],
    ['an scp string', { scp: 'video:generate' }],
    ["Spring's SCOPE_ prefix", { scope: 'SCOPE_video:generate' }],
    ["Keycloak's realm_access.roles", { realm_access: { roles: ['offline_access', 'video:generate'] } }],
  ])('reads roles from %s', (_name, claims) => {
    const principal = principalFromClaims({ sub: 'alice', ...claims })!;
    expect(principal.roles.has('video:generate')).toBe(true);
    expect(hasAnyRole(principal, ['video:generate'])).toBe(true);
    expect(hasAnyRole(principal, ['video:admin'])).toBe(false);
  });

  it('lets an admin pass any role check', () => {
    const admin = principalFromClaims({ sub: 'root', scope: 'video:admin' })!;
    expect(hasAnyRole(admin, ['video:generate'])).toBe(true);
  });

  it('grants nothing for unrelated or malformed role claims', () => {
    const principal = principalFromClaims({ sub: 'alice', roles: [1, null, 'user'], scope: 42, realm_access: 'admin' })!;
    expect([...principal.roles]).toEqual(['user']);
    expect(hasAnyRole(principal, ['video:generate'])).toBe(false);
  });
});
