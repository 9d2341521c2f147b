import { staticSecurityHeaders } from './security-headers.js';

describe('staticSecurityHeaders', () => {
  it('gives helmet’s headers, with the CSP built from the directives', () => {
    const headers = staticSecurityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], upgradeInsecureRequests: null } } });
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['content-security-policy']).toContain("img-src 'self' data:");
    expect(headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(headers).toMatchObject({
      'x-frame-options': 'SAMEORIGIN',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
      'referrer-policy': 'no-referrer',
    });
  });

  it('leaves out what helmet is told to leave out', () => {
    expect(staticSecurityHeaders({ frameguard: false })).not.toHaveProperty('x-frame-options');
  });

  it('refuses options helmet refuses', () => {
    expect(() => staticSecurityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ['self'] } } })).toThrow();
  });
});
