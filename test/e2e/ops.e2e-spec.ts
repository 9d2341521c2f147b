import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Api } from '../support/api.js';
import { REPO_ROOT, waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const MODEL = 'easyanimate-v5.1-12b';
const PROMPT = 'an otter juggling lanterns, prompt-secret-7f3a';

/** The value of one sample in a Prometheus exposition, by name and (a subset of) labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.startsWith(`${name}{`) ? line.slice(name.length + 1, line.lastIndexOf('}')) : '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

function jsonLines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('operations: health, metrics, logs, admin views', () => {
  const stack = new TestStack({ SHUTDOWN_GRACE_MS: '2000' });
  let alice: Api;
  let admin: Api;
  let dispatcherUrl: string;
  let serviceUrl: string;
  let userToken: string;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 10 }]);
    userToken = tokenFor('alice');
    alice = new Api(stack.baseUrl, userToken);
    admin = new Api(stack.baseUrl, tokenFor('root', { roles: ['video:admin'] }));
    dispatcherUrl = `http://127.0.0.1:${stack.dispatcherPort}`;
    serviceUrl = stack.modelServices[0]!.url;
  });
  afterAll(() => stack.stop());

  it('answers liveness and readiness on both apps, in terminus and Actuator shape', async () => {
    for (const base of [stack.baseUrl, dispatcherUrl]) {
      const live = await fetch(`${base}/health`);
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({ status: 'ok' });
      expect(await (await fetch(`${base}/actuator/health/liveness`)).json()).toEqual({ status: 'UP' });

      // The gateway learns of a healthy model service from the fleet table the dispatcher publishes.
      const ready = await waitFor(`${base} ready`, async () => {
        const response = await fetch(`${base}/actuator/health/readiness`);
        return response.status === 200 ? response : undefined;
      });
      const body = (await ready.json()) as { status: string; components: Record<string, { status: string; details?: Record<string, unknown> }> };
      expect(body.status).toBe('UP');
      expect(Object.keys(body.components).sort()).toEqual(['disk', 'lifecycle', 'modelServices', 'redis', 'resultStore']);
      expect(body.components.modelServices?.details).toEqual({ models: { [MODEL]: { healthy: 1, total: 1 } } });
      expect(body.components.disk?.details?.freeBytes).toBeGreaterThan(0);

      const aggregate = await fetch(`${base}/actuator/health`);
      expect(aggregate.status).toBe(200);
      expect(await aggregate.json()).toMatchObject({ status: 'UP' });
      const native = await fetch(`${base}/health/ready`);
      expect(await native.json()).toMatchObject({ status: 'ok', details: { redis: { status: 'up' } } });
    }
  });

  it('reports version, git commit and build time at /actuator/info, without a token', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const [base, artifact] of [[stack.baseUrl, 'gateway'], [dispatcherUrl, 'dispatcher']] as const) {
      const info = (await (await fetch(`${base}/actuator/info`)).json()) as {
        build: { artifact: string; version: string; time: string };
        git: { commit: { id: string; full: string } } | null;
      };
      expect(info.build).toMatchObject({ artifact, version });
      expect(Date.parse(info.build.time)).toBeGreaterThan(0);
      expect(info.git?.commit.full).toMatch(/^[0-9a-f]{40}$/);
      expect(info.git?.commit.id).toBe(info.git?.commit.full.slice(0, 7));
    }
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await fetch(`${stack.baseUrl}/health`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const made = await fetch(`${stack.baseUrl}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('after one job', () => {
    const requestId = 'ops-e2e-request-1';
    let taskId: string;

    beforeAll(async () => {
      const response = await alice.request(
        'POST',
        '/api/video/generate',
        { prompt: PROMPT, width: 256, height: 256, numFrames: 3, numInferenceSteps: 3 },
        { 'x-request-id': requestId },
      );
      expect(response.status).toBe(202);
      expect(response.headers.get('x-request-id')).toBe(requestId);
      taskId = ((await response.json()) as { taskId: string }).taskId;
      await alice.waitForStatus(taskId, 'COMPLETED');
    });

    it('exports the product metrics with bounded labels on /metrics and /actuator/prometheus', async () => {
      const gateway = await fetch(`${stack.baseUrl}/metrics`);
      expect(gateway.headers.get('content-type')).toContain('text/plain');
      const text = await gateway.text();
      expect(await (await fetch(`${stack.baseUrl}/actuator/prometheus`)).text()).toContain('videogw_jobs_submitted_total');
      expect(sample(text, 'videogw_jobs_submitted_total', { model: MODEL })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/video/generate', status_code: '202' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'http_request_duration_seconds_count', { route: '/api/video/status/:taskId', status_code: '200' })).toBeGreaterThanOrEqual(1);
      expect(text).not.toContain(taskId); // route patterns, never raw URLs
      expect(sample(text, 'videogw_queue_jobs', { model: MODEL, state: 'waiting' })).toBe(0);
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(text).not.toContain('nodejs_active_handles_total'); // a gauge named _total: promtool rejects it
      for (const name of ['videogw_cache_requests_total', 'videogw_coalesced_requests_total', 'videogw_throttled_requests_total', 'videogw_prompts_rejected_total']) {
        expect(text).toContain(`# TYPE ${name} counter`);
      }

      const dispatcher = await (await fetch(`${dispatcherUrl}/actuator/prometheus`)).text();
      expect(sample(dispatcher, 'videogw_jobs_finished_total', { model: MODEL, status: 'completed', reason: 'ok' })).toBeGreaterThanOrEqual(1);
      expect(sample(dispatcher, 'videogw_job_generation_seconds_count', { model: MODEL })).toBeGreaterThanOrEqual(1);
      expect(sample(dispatcher, 'videogw_job_queue_wait_seconds_count', { model: MODEL })).toBeGreaterThanOrEqual(1);
      expect(sample(dispatcher, 'videogw_video_bytes_total', { model: MODEL })).toBeGreaterThan(0);
      expect(sample(dispatcher, 'videogw_model_service_up', { service: serviceUrl, model: MODEL })).toBe(1);
      expect(sample(dispatcher, 'videogw_model_service_vram_total_bytes', { service: serviceUrl })).toBe(80 * 1024 ** 3);
      expect(sample(dispatcher, 'videogw_model_service_vram_free_bytes', { service: serviceUrl })).toBeGreaterThan(0);
      expect(sample(dispatcher, 'videogw_circuit_state', { service: serviceUrl })).toBe(0);
      expect(dispatcher).toContain('# TYPE videogw_dispatch_gap_seconds histogram');
    });

    it('logs JSON lines with one request id and the taskId across gateway, dispatcher and model service, without token or prompt', async () => {
      const file = (name: string) => join(stack.logDir, `${name}.log`);
      const ofJob = (name: string, key: 'taskId' | 'job_id') =>
        jsonLines(file(name)).filter((line) => line[key] === taskId);
      // pino writes asynchronously: wait for the job's last line.
      await waitFor('dispatcher log', async () => ofJob('dispatcher', 'taskId').length >= 2, 10_000);

      const gateway = ofJob('gateway', 'taskId');
      expect(gateway.map((line) => line.msg)).toContain('task queued');
      expect(gateway.every((line) => line.requestId === requestId && line.app === 'gateway')).toBe(true);
      const dispatcher = ofJob('dispatcher', 'taskId');
      expect(dispatcher.every((line) => line.requestId === requestId && line.app === 'dispatcher')).toBe(true);
      expect(dispatcher.map((line) => line.msg)).toEqual(expect.arrayContaining(['dispatched', 'completed']));
      const service = ofJob(`model-service-${stack.modelServices[0]!.port}`, 'job_id');
      expect(service.map((line) => line.msg)).toEqual(expect.arrayContaining(['job accepted', 'job started', 'job completed']));
      expect(service.filter((line) => line.msg !== 'job forgotten').every((line) => line.request_id === requestId)).toBe(true);

      // Access lines: 4xx at info, 2xx only at debug (status polls are the hottest path; metrics count them all).
      const missing = await alice.request('GET', '/api/video/status/00000000-0000-0000-0000-000000000000', undefined, { 'x-request-id': 'ops-e2e-404' });
      expect(missing.status).toBe(404);
      const accessLine = () => jsonLines(file('gateway')).find((line) => line.requestId === 'ops-e2e-404' && line.msg === 'request completed');
      expect(await waitFor('access line', async () => accessLine(), 10_000)).toMatchObject({
        level: 'info',
        method: 'GET',
        url: '/api/video/status/00000000-0000-0000-0000-000000000000',
        statusCode: 404,
      });
      expect(jsonLines(file('gateway')).some((line) => line.msg === 'request completed' && line.statusCode === 200)).toBe(false);
      for (const name of ['gateway', 'dispatcher']) {
        const text = readFileSync(file(name), 'utf8');
        expect(text).not.toContain(userToken);
        expect(text).not.toContain('prompt-secret-7f3a');
      }
    });
  });

  it('shows the queues in bull-board and the fleet table to admins only', async () => {
    const board = `${stack.baseUrl}/admin/queues`;
    const anonymous = await fetch(board);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(board, { headers: { authorization: `Bearer ${userToken}` } })).status).toBe(403);
    const forged = tokenFor('root', { roles: ['video:admin'] }, 'another-secret-another-secret-xx');
    expect((await fetch(board, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);

    const page = await admin.request('GET', '/admin/queues');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const queues = await admin.request('GET', '/admin/queues/api/queues');
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> }).queues;
    expect(names).toEqual([expect.objectContaining({ name: `video.${MODEL}`, readOnlyMode: true })]);

    // A browser cannot send a bearer header: ?access_token= once, then an HttpOnly cookie scoped to the board.
    const viaQuery = await fetch(`${board}?access_token=${tokenFor('root', { roles: ['video:admin'] })}`);
    expect(viaQuery.status).toBe(200);
    const cookie = viaQuery.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^videogw_admin_token=.+; Path=\/admin\/queues; HttpOnly; SameSite=Strict/);
    expect((await fetch(`${board}/api/queues`, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);

    expect((await alice.request('GET', '/api/admin/fleet')).status).toBe(403);
    const fleet = await admin.request('GET', '/api/admin/fleet');
    expect(fleet.status).toBe(200);
    const table = (await fleet.json()) as { services: Array<Record<string, unknown>>; models: Record<string, unknown> };
    expect(table.services).toEqual([expect.objectContaining({ url: serviceUrl, model: MODEL, breaker: 'CLOSED', leaseHeld: true })]);
    expect(table.models).toEqual({ [MODEL]: { healthy: 1, total: 1 } });
  });

  it('answers DOWN (503) when Redis stops and UP again once it is back, liveness staying UP', async () => {
    const readiness = async (base: string) => {
      const response = await fetch(`${base}/actuator/health/readiness`);
      return { status: response.status, body: (await response.json()) as { status: string; components: Record<string, { status: string }> } };
    };
    await stack.redis!.stop();
    for (const base of [stack.baseUrl, dispatcherUrl]) {
      const down = await waitFor(`${base} DOWN`, async () => {
        const answer = await readiness(base);
        return answer.status === 503 ? answer : undefined;
      }, 10_000);
      expect(down.body.status).toBe('DOWN');
      expect(down.body.components.redis?.status).toBe('DOWN');
      expect((await fetch(`${base}/actuator/health`)).status).toBe(503);
      expect((await fetch(`${base}/health/ready`)).status).toBe(503);
      expect((await fetch(`${base}/actuator/health/liveness`)).status).toBe(200);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    }

    await stack.startRedis(); // same port, same AOF file
    for (const base of [stack.baseUrl, dispatcherUrl]) {
      const up = await waitFor(`${base} UP`, async () => {
        const answer = await readiness(base);
        return answer.status === 200 ? answer : undefined;
      }, 20_000);
      expect(up.body.status).toBe('UP');
    }
  });
});
