import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Api, type TaskBody } from '../support/api.js';
import { freePort, ManagedProcess, waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
  [key: string]: unknown;
}

const TINY = { width: 256, height: 256, numFrames: 1, numInferenceSteps: 1 };
const PROBLEM_JSON = /^application\/problem\+json/;

/**
 * The guard layer on real processes: Redis and two gateway replicas sharing it. No dispatcher runs, so
 * submitted tasks stay PENDING. Every principal is used by one test only (submits are limited to 3 per
 * 10 s per principal in this suite).
 */
describe('guards: roles, tenancy, throttling, prompt screening, hardening', () => {
  const stack = new TestStack({
    THROTTLE_SUBMIT_LIMIT: '3',
    THROTTLE_SUBMIT_TTL_MS: '10000',
    BODY_LIMIT_BYTES: '4096',
    PROMPT_BANNED_TERMS_POLL_MS: '200',
    LOG_LEVEL: 'warn',
  });
  const termsFile = join(stack.dir, 'banned-terms.txt');
  let replica: ManagedProcess;
  let replicaUrl: string;
  const as = (sub: string, claims: Record<string, unknown> = {}, baseUrl = stack.baseUrl) => new Api(baseUrl, tokenFor(sub, claims));

  async function problemOf(response: Response, status: number): Promise<Problem> {
    const text = await response.text();
    expect({ status: response.status, body: text }).toMatchObject({ status });
    expect(response.headers.get('content-type')).toMatch(PROBLEM_JSON);
    return JSON.parse(text) as Problem;
  }

  beforeAll(async () => {
    writeFileSync(termsFile, '# banned terms for the e2e suite\nforbidden fruit\n暴力\n');
    await stack.startRedis();
    await stack.startGateway({ PROMPT_BANNED_TERMS_FILE: termsFile });
    const replicaPort = await freePort();
    replicaUrl = `http://127.0.0.1:${replicaPort}`;
    replica = new ManagedProcess('gateway-replica', process.execPath, ['dist/apps/gateway/src/main.js'], {
      env: stack.appEnv({ PORT: String(replicaPort), PROMPT_BANNED_TERMS_FILE: termsFile }),
      logDir: stack.logDir,
    }).start();
    await waitFor('gateway replica', async () => (await fetch(`${replicaUrl}/health`)).ok, 30_000);
  });
  afterAll(async () => {
    await replica?.stop();
    await stack.stop();
  });

  describe('roles', () => {
    it('refuses a valid token without video:generate with 403 on every video route', async () => {
      const nobody = as('nobody', { roles: [] });
      const submit = await problemOf(await nobody.request('POST', '/api/video/generate', { prompt: 'x', ...TINY }), 403);
      expect(submit.detail).toContain('video:generate');
      await problemOf(await nobody.request('GET', '/api/video/tasks'), 403);
      await problemOf(await nobody.request('GET', '/api/video/status/00000000-0000-0000-0000-000000000000'), 403);
    });

    it.each([
      ['scope', { roles: undefined, scope: 'openid video:generate' }],
      ['scp', { roles: undefined, scp: ['video:generate'] }],
      ['SCOPE_ prefix', { roles: undefined, scope: 'SCOPE_video:generate' }],
      ['Keycloak realm roles', { roles: undefined, realm_access: { roles: ['video:generate'] } }],
    ])('accepts the generate role from %s', async (name, claims) => {
      const response = await as(`roles-${name}`, claims).request('POST', '/api/video/generate', { prompt: 'a cat', ...TINY });
      expect(response.status).toBe(202);
    });

    it('answers 401 (not 403, not 429) without a token, with WWW-Authenticate', async () => {
      const response = await fetch(`${stack.baseUrl}/api/video/generate`, { method: 'POST' });
      await problemOf(response, 401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.headers.get('ratelimit-limit')).toBeNull();
      const bad = await fetch(`${stack.baseUrl}/api/video/tasks`, { headers: { authorization: 'Bearer not.a.jwt' } });
      await problemOf(bad, 401);
      expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    });
  });

  describe('tenancy', () => {
    it('shares tasks within a tenant, hides them from others with 404, and shows them to an admin', async () => {
      const alice = as('alice', { tenant: 'acme' });
      const bob = as('bob', { tenant: 'acme' });
      const carol = as('carol');
      const admin = as('root', { roles: ['video:admin'] });
      const { taskId } = await alice.submit({ prompt: 'tenant task', ...TINY });
      expect((await bob.status(taskId)).taskId).toBe(taskId);
      await problemOf(await carol.request('GET', `/api/video/status/${taskId}`), 404);
      await problemOf(await carol.request('DELETE', `/api/video/${taskId}`), 404);
      await problemOf(await carol.request('GET', `/api/video/result/${taskId}`), 404);
      expect((await admin.status(taskId)).taskId).toBe(taskId);

      const listed = (await (await admin.request('GET', '/api/video/tasks?owner=acme')).json()) as { items: TaskBody[] };
      expect(listed.items.map((task) => task.taskId)).toContain(taskId);
      await problemOf(await carol.request('GET', '/api/video/tasks?owner=acme'), 403);
    });

    it('lists only the caller’s tasks, newest first, a page at a time', async () => {
      const lister = as('lister');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await lister.submit({ prompt: `listed ${i}`, ...TINY })).taskId);
        await new Promise((resolve) => setTimeout(resolve, 5)); // distinct creation times
      }
      await as('someone-else').submit({ prompt: 'not listed', ...TINY });

      const first = await lister.request('GET', '/api/video/tasks?page=1&size=2');
      expect(first.status).toBe(200);
      const page1 = (await first.json()) as { items: TaskBody[]; page: number; size: number; total: number; totalPages: number };
      expect(page1).toMatchObject({ page: 1, size: 2, total: 3, totalPages: 2 });
      expect(page1.items.map((task) => task.taskId)).toEqual([ids[2], ids[1]]);
      const page2 = (await (await lister.request('GET', '/api/video/tasks?page=2&size=2')).json()) as { items: TaskBody[] };
      expect(page2.items.map((task) => task.taskId)).toEqual([ids[0]]);
      const beyond = (await (await lister.request('GET', '/api/video/tasks?page=9')).json()) as { items: TaskBody[]; total: number };
      expect(beyond).toMatchObject({ items: [], total: 3 });

      for (const query of ['page=0', 'size=101', 'page=abc']) {
        const problem = await problemOf(await lister.request('GET', `/api/video/tasks?${query}`), 422);
        expect(problem.errors?.[0]?.field).toBe(query.split('=')[0]);
      }
    });
  });

  describe('throttling', () => {
    it('allows 3 submits per 10 s per principal, then 429 with Retry-After and RateLimit headers', async () => {
      const client = as('throttled');
      const remaining: Array<string | null> = [];
      for (let i = 0; i < 3; i++) {
        const response = await client.request('POST', '/api/video/generate', { prompt: `burst ${i}`, ...TINY });
        expect(response.status).toBe(202);
        expect(response.headers.get('ratelimit-limit')).toBe('3');
        remaining.push(response.headers.get('ratelimit-remaining'));
      }
      expect(remaining).toEqual(['2', '1', '0']);

      const refused = await client.request('POST', '/api/video/generate', { prompt: 'one too many', ...TINY });
      const problem = await problemOf(refused, 429);
      expect(problem.type).toMatch(/rate-limited$/);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(10);
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(refused.headers.get('ratelimit-policy')).toBe('3;w=10');
    });

    it('shares the budget between replicas, and keeps principals apart', async () => {
      const onFirst = as('replicated');
      for (let i = 0; i < 3; i++) expect((await onFirst.request('POST', '/api/video/generate', { prompt: `r ${i}`, ...TINY })).status).toBe(202);
      const onReplica = as('replicated', {}, replicaUrl);
      await problemOf(await onReplica.request('POST', '/api/video/generate', { prompt: 'via the replica', ...TINY }), 429);
      expect((await as('neighbour', {}, replicaUrl).request('POST', '/api/video/generate', { prompt: 'mine', ...TINY })).status).toBe(202);
    });

    it('counts polling against its own budget (600 a minute by default), not the submit one', async () => {
      const client = as('poller');
      const { taskId } = await client.submit({ prompt: 'poll me', ...TINY });
      const response = await client.request('GET', `/api/video/status/${taskId}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('600');
      expect(response.headers.get('ratelimit-policy')).toBe('600;w=60');
    });

    it('does not limit public routes', async () => {
      const response = await fetch(`${stack.baseUrl}/health`);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    });
  });

  describe('prompt screening', () => {
    it('refuses a banned term in disguise with 422 naming the field, never echoing the term', async () => {
      const client = as('screened');
      const disguised = 'a basket of ＦＯＲＢＩＤ\u200bDEN  f.r.u-i t on a table';
      const response = await client.request('POST', '/api/video/generate', { prompt: disguised, ...TINY });
      const text = await response.clone().text();
      const problem = await problemOf(response, 422);
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'prompt' })]);
      expect(text.toLowerCase()).not.toContain('forbidden');
      expect(text).not.toContain('fruit');

      const negative = await problemOf(await client.request('POST', '/api/video/generate', { prompt: 'a calm lake', negativePrompt: '暴 力', ...TINY }), 422);
      expect(negative.errors?.map((error) => error.field)).toEqual(['negativePrompt']);
    });

    it('removes control and zero-width characters and checks the length after normalisation', async () => {
      const client = as('normalised');
      const accepted = await client.submit({ prompt: '  a\u200b red\u0007 fox\t\tin snow  ', ...TINY });
      expect(accepted.requested).toMatchObject({ prompt: 'a red fox in snow' });
      const tooLong = await problemOf(await client.request('POST', '/api/video/generate', { prompt: 'x'.repeat(1001), ...TINY }), 422);
      expect(tooLong.errors?.[0]).toMatchObject({ field: 'prompt' });
      const blank = await problemOf(await client.request('POST', '/api/video/generate', { prompt: ' \u200b\u200d ', ...TINY }), 422);
      expect(blank.errors?.[0]).toMatchObject({ field: 'prompt' });
    });

    it('picks up a changed list without a restart, on every replica', async () => {
      const tmp = `${termsFile}.tmp`;
      writeFileSync(tmp, 'forbidden fruit\n暴力\nzebra crossing\n');
      renameSync(tmp, termsFile);
      let attempt = 0;
      for (const baseUrl of [stack.baseUrl, replicaUrl]) {
        await waitFor(`the new list on ${baseUrl}`, async () => {
          const response = await as(`reload-${attempt++}`, {}, baseUrl).request('POST', '/api/video/generate', { prompt: 'a Zebra-Crossing at night', ...TINY });
          return response.status === 422;
        }, 15_000, 200);
      }
    });
  });

  describe('hardening', () => {
    const client = () => as('hardening');

    it('answers 413 problem+json to a body over BODY_LIMIT_BYTES', async () => {
      const response = await client().request('POST', '/api/video/generate', { prompt: 'x'.repeat(5000) });
      await problemOf(response, 413);
    });

    it('answers 415 to a body that is not JSON, 400 to broken or prototype-poisoning JSON, to multipart without a boundary and to truncated multipart', async () => {
      const headers = { authorization: `Bearer ${tokenFor('hardening')}` };
      const plain = await fetch(`${stack.baseUrl}/api/video/generate`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: 'a cat' });
      await problemOf(plain, 415);
      const form = await fetch(`${stack.baseUrl}/api/video/generate`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'prompt=a+cat',
      });
      await problemOf(form, 415);
      const broken = await fetch(`${stack.baseUrl}/api/video/generate`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"prompt":' });
      await problemOf(broken, 400);
      const json = { ...headers, 'content-type': 'application/json; charset=utf-8' };
      const poisoned = await fetch(`${stack.baseUrl}/api/video/generate`, { method: 'POST', headers: json, body: '{"prompt":"a cat","__proto__":{"admin":true}}' });
      await problemOf(poisoned, 400);
      const constructor = await fetch(`${stack.baseUrl}/api/video/generate`, { method: 'POST', headers: json, body: '{"prompt":"a cat","constructor":{"prototype":{"admin":true}}}' });
      await problemOf(constructor, 400);
      const noBoundary = await fetch(`${stack.baseUrl}/api/video/generate`, { method: 'POST', headers: { ...headers, 'content-type': 'multipart/form-data' } });
      await problemOf(noBoundary, 400);
      const truncated = await fetch(`${stack.baseUrl}/api/video/generate`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'multipart/form-data; boundary=xyz' },
        body: '--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\na cat',
      });
      await problemOf(truncated, 400);
    });

    it('answers 404 problem+json to an unknown route and 405 with Allow to a wrong method', async () => {
      await problemOf(await client().request('GET', '/api/nothing-here'), 404);
      const wrong = await client().request('PUT', '/api/video/status/00000000-0000-0000-0000-000000000000');
      await problemOf(wrong, 405);
      expect(wrong.headers.get('allow')).toContain('GET');
    });

    it('validates path ids before any lookup', async () => {
      const problem = await problemOf(await client().request('GET', '/api/video/status/bad%20id!'), 422);
      expect(problem.errors?.[0]?.field).toBe('taskId');
      await problemOf(await client().request('DELETE', `/api/video/${'a'.repeat(65)}`), 422);
    });

    it('sends security headers on answers and on errors', async () => {
      for (const response of [await fetch(`${stack.baseUrl}/health`), await client().request('GET', '/api/nothing-here')]) {
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
      }
    });

    it('keeps /docs working under the CSP: every script is a same-origin file', async () => {
      const page = await fetch(`${stack.baseUrl}/docs`);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      const html = await page.text();
      const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((match) => match[1] ?? '');
      expect(scripts.length).toBeGreaterThan(0);
      for (const attributes of scripts) {
        const src = /src="([^"]+)"/.exec(attributes)?.[1];
        expect(src).toBeDefined(); // no inline script: script-src 'self' would block it
        expect((await fetch(new URL(src!, `${stack.baseUrl}/docs`))).status).toBe(200);
      }
    });
  });
});
