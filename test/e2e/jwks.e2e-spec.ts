import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import jwt from 'jsonwebtoken';
import { freePort, ManagedProcess, waitFor } from '../support/processes.js';
import { TEST_SECRET, TestStack } from '../support/stack.js';

const ISSUER = 'https://idp.example.test/realms/video';
const AUDIENCE = 'video-gateway';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function rsaKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, publicKey };
}

function ecKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey };
}

/** A tiny identity provider: serves the JWKS of the keys it currently publishes and counts the fetches. */
class JwksServer {
  published: SigningKey[] = [];
  fetches = 0;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    const port = await freePort();
    this.server = createServer((request, response) => {
      if (request.url !== '/protocol/openid-connect/certs') return void response.writeHead(404).end();
      this.fetches++;
      const keys = this.published.map((key) => ({ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}/protocol/openid-connect/certs`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const all: Record<string, unknown> = { sub: 'alice', roles: ['video:generate'], iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300, ...overrides };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)); // undefined: leave the claim out
}

function sign(key: SigningKey, overrides: Record<string, unknown> = {}): string {
  return jwt.sign(claims(overrides), key.privateKey, { algorithm: key.alg, keyid: key.kid });
}

/** A token signed by hand, header and all, as an attacker would forge it. */
function forge(header: Record<string, unknown>, signature: (signingInput: string) => string): string {
  const signingInput = `${b64(header)}.${b64(claims())}`;
  return `${signingInput}.${signature(signingInput)}`;
}

/**
 * JWT verification against a JWKS endpoint with keys generated here, as Keycloak or Spring Authorization
 * Server publish them, next to the HS256 shared secret. Two gateways: one with both and keys cached for
 * 10 minutes (the default), one with JWKS only and a 300 ms cache, to show a retired key stops working
 * once its cache entry ages out.
 */
describe('JWT: JWKS (RS256, ES256) with caching and rotation, HS256, and forgeries', () => {
  const idp = new JwksServer();
  const stack = new TestStack({ LOG_LEVEL: 'warn' });
  let shortCache: ManagedProcess;
  let shortCacheUrl = '';
  const k1 = rsaKey('k1');
  const k2 = rsaKey('k2');
  const e1 = ecKey('e1');

  const call = (token: string, baseUrl = stack.baseUrl) => fetch(`${baseUrl}/api/video/tasks`, { headers: { authorization: `Bearer ${token}` } });
  async function refused(token: string, baseUrl = stack.baseUrl): Promise<string> {
    const response = await call(token, baseUrl);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    return ((await response.json()) as { detail: string }).detail;
  }

  beforeAll(async () => {
    idp.published = [k1, e1];
    await idp.start();
    const settings = { JWT_JWKS_URI: idp.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_CLOCK_SKEW_SECONDS: '30' };
    await stack.startRedis();
    await stack.startGateway(settings);
    const port = await freePort();
    shortCacheUrl = `http://127.0.0.1:${port}`;
    const env = stack.appEnv({ ...settings, PORT: String(port), JWT_JWKS_CACHE_MAX_AGE_MS: '300' });
    delete env.JWT_SECRET; // JWKS only
    shortCache = new ManagedProcess('gateway-short-cache', process.execPath, ['dist/apps/gateway/src/main.js'], { env, logDir: stack.logDir }).start();
    await waitFor('short-cache gateway', async () => (await fetch(`${shortCacheUrl}/health`)).ok);
  });
  afterAll(async () => {
    await shortCache?.stop();
    await stack.stop();
    await idp.stop();
  });

  it('accepts RS256 and ES256 tokens from the JWKS, fetching the set once per kid and not per request', async () => {
    for (let i = 0; i < 5; i++) expect((await call(sign(k1))).status).toBe(200);
    expect(idp.fetches).toBe(1);
    for (let i = 0; i < 5; i++) expect((await call(sign(e1))).status).toBe(200);
    expect(idp.fetches).toBe(2); // jwks-rsa caches by kid: the first e1 token looked the set up again
  });

  it('accepts HS256 tokens signed with JWT_SECRET next to the JWKS', async () => {
    expect((await call(jwt.sign(claims(), TEST_SECRET, { algorithm: 'HS256' }))).status).toBe(200);
  });

  it('picks up a rotated-in key on its first token, and keeps a retired one until its cache entry ages out', async () => {
    expect((await call(sign(k1, { sub: 'short' }), shortCacheUrl)).status).toBe(200);
    const before = idp.fetches;
    idp.published = [k2, e1]; // rotation: k1 retired, k2 signs from now on

    expect((await call(sign(k2))).status).toBe(200);
    expect(idp.fetches).toBeGreaterThan(before);
    expect((await call(sign(k1))).status).toBe(200); // cached for JWT_JWKS_CACHE_MAX_AGE_MS (10 min here)

    const detail = await waitFor('k1 to age out of the 300 ms cache', async () => {
      const response = await call(sign(k1, { sub: 'short' }), shortCacheUrl);
      return response.status === 401 ? ((await response.json()) as { detail: string }).detail : undefined;
    }, 15_000, 400);
    expect(detail).toContain('no signing key with kid "k1"');
    expect((await call(sign(k2, { sub: 'short' }), shortCacheUrl)).status).toBe(200);
  });

  it('refuses alg none', async () => {
    const none = forge({ alg: 'none', typ: 'JWT' }, () => '');
    expect(await refused(none)).toMatch(/algorithm none is not accepted/);
    expect(await refused(none, shortCacheUrl)).toMatch(/algorithm none is not accepted/);
  });

  it('refuses HS/RS confusion: an HS256 token "signed" with the RSA public key as secret', async () => {
    const publicPem = k2.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const confused = forge({ alg: 'HS256', typ: 'JWT', kid: 'k2' }, (input) => createHmac('sha256', publicPem).update(input).digest('base64url'));
    expect(await refused(confused)).toBe('invalid signature'); // HS* is verified with JWT_SECRET only
    expect(await refused(confused, shortCacheUrl)).toBe('token algorithm HS256 is not accepted'); // no secret: no HS* at all
  });

  it('refuses a token signed by a key that is not the published one under its kid', async () => {
    const impostor = { ...rsaKey('k2') };
    expect(await refused(sign(impostor))).toBe('invalid signature');
  });

  it('refuses a kid the JWKS does not have', async () => {
    expect(await refused(sign(rsaKey('nobody-knows-me')))).toContain('no signing key with kid "nobody-knows-me"');
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example.test' }, /issuer invalid/],
    ['another audience', { aud: 'someone-else' }, /audience invalid/],
    ['no sub', { sub: undefined }, /no sub claim/],
    ['no exp', { exp: undefined }, /no exp claim/],
    ['exp 60 s ago (beyond the 30 s skew)', { exp: now() - 60 }, /jwt expired/],
    ['nbf 60 s ahead (beyond the 30 s skew)', { nbf: now() + 60 }, /jwt not active/],
  ])('refuses %s', async (_name, overrides, reason) => {
    expect(await refused(sign(k2, overrides))).toMatch(reason);
  });

  it('tolerates exp and nbf within JWT_CLOCK_SKEW_SECONDS', async () => {
    expect((await call(sign(k2, { exp: now() - 10 }))).status).toBe(200);
    expect((await call(sign(k2, { nbf: now() + 10 }))).status).toBe(200);
  });

  it('refuses an HS256 token signed with another secret', async () => {
    expect(await refused(jwt.sign(claims(), 'not-the-secret-not-the-secret-xx', { algorithm: 'HS256' }))).toBe('invalid signature');
  });

  it('refuses a new kid while the JWKS endpoint is down, and keeps accepting cached keys', async () => {
    await idp.stop();
    expect(await refused(sign(rsaKey('k3')))).toMatch(/JWKS could not be fetched|rate limit/);
    expect((await call(sign(k2))).status).toBe(200);
  });
});
