import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { Api, type TaskBody } from '../support/api.js';
import { freePort, waitFor } from '../support/processes.js';
import { TestStack, tokenFor } from '../support/stack.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const TINY = { width: 256, height: 256, numFrames: 3, numInferenceSteps: 2 };
const FAILING_MODEL = 'wan2.1-t2v-1.3b';

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A webhook receiver on loopback: it records every POST and answers 500 to the first `failures[path]` of them. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  readonly failures = new Map<string, number>();
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const path = request.url ?? '/';
        const left = this.failures.get(path) ?? 0;
        const answered = left > 0 ? 500 : 204;
        if (left > 0) this.failures.set(path, left - 1);
        this.deliveries.push({ path, headers: request.headers, body, answered });
        response.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  to(path: string): Delivery[] {
    return this.deliveries.filter((delivery) => delivery.path === path);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/**
 * Webhooks on real processes, received by a local HTTP server. Loopback is refused by the SSRF guard, so
 * this suite allow-lists exactly the receiver's host:port (WEBHOOK_ALLOWED_HOSTS).
 */
describe('webhooks: signed, retried, visible in the status', () => {
  const receiver = new Receiver();
  let stack: TestStack;
  let alice: Api;
  const verify = (delivery: Delivery) =>
    new Webhook(SECRET).verify(delivery.body, delivery.headers as Record<string, string>) as { type: string; timestamp: string; data: TaskBody };

  beforeAll(async () => {
    await receiver.start();
    stack = new TestStack({
      THROTTLE_ENABLED: 'false',
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`,
      WEBHOOK_BACKOFF_MS: '200',
      MODELS: `easyanimate-v5.1-12b,${FAILING_MODEL}`,
      JOB_ATTEMPTS: '1',
      LOG_LEVEL: 'warn',
    });
    // A second model whose only service fails every job, for the FAILED event.
    await stack.start([{ stepDelayMs: 30 }, { model: FAILING_MODEL, stepDelayMs: 10, env: { FAIL_MODE: 'always' } }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
  });
  afterAll(async () => {
    await stack.stop();
    await receiver.stop();
  });

  it('POSTs the completed task with Standard Webhooks headers that verify', async () => {
    const { taskId } = await alice.submit({ prompt: 'notify me', ...TINY, seed: 1, callbackUrl: receiver.url('/done') });
    await alice.waitForStatus(taskId, 'COMPLETED');
    const [delivery] = await waitFor('the webhook', async () => receiver.to('/done').length > 0 && receiver.to('/done'), 15_000);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['webhook-id']).toBeTruthy();
    const event = verify(delivery!);
    expect(event).toMatchObject({ type: 'video.completed', data: { taskId, status: 'COMPLETED', resultUrl: `/api/video/result/${taskId}` } });
    // A forged body does not verify.
    expect(() => new Webhook(SECRET).verify(delivery!.body.replace('COMPLETED', 'FAILED'), delivery!.headers as Record<string, string>)).toThrow();

    const status = await alice.waitForStatus(taskId, (task) => (task.webhook as { deliveredAt: string | null } | null)?.deliveredAt != null, 10_000);
    expect(status.webhook).toMatchObject({ attempts: 1, lastStatus: 204, lastError: null });
  });

  it('retries with backoff while the receiver fails, with the same message id', async () => {
    receiver.failures.set('/flaky', 2);
    const { taskId } = await alice.submit({ prompt: 'notify me eventually', ...TINY, seed: 2, callbackUrl: receiver.url('/flaky') });
    const status = await alice.waitForStatus(taskId, (task) => (task.webhook as { deliveredAt: string | null } | null)?.deliveredAt != null, 30_000);
    expect(status.webhook).toMatchObject({ attempts: 3, lastStatus: 204 });
    const deliveries = receiver.to('/flaky');
    expect(deliveries.map((delivery) => delivery.answered)).toEqual([500, 500, 204]);
    expect(new Set(deliveries.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
    for (const delivery of deliveries) expect(verify(delivery).data.taskId).toBe(taskId);
  });

  it('reports a cancel, and a cache hit', async () => {
    const busy = await alice.submit({ prompt: 'occupies the service', ...TINY, numInferenceSteps: 40 });
    await alice.waitForStatus(busy.taskId, 'PROCESSING');
    const pending = await alice.submit({ prompt: 'cancel me', ...TINY, callbackUrl: receiver.url('/cancelled') });
    expect((await alice.request('DELETE', `/api/video/${pending.taskId}`)).status).toBe(200);
    const [cancelled] = await waitFor('the cancel webhook', async () => receiver.to('/cancelled').length > 0 && receiver.to('/cancelled'), 15_000);
    expect(verify(cancelled!)).toMatchObject({ type: 'video.cancelled', data: { taskId: pending.taskId, status: 'CANCELLED' } });

    const hit = await alice.submit({ prompt: 'notify me', ...TINY, seed: 1, callbackUrl: receiver.url('/cached') });
    expect(hit).toMatchObject({ status: 'COMPLETED', cached: true });
    const [cached] = await waitFor('the cache-hit webhook', async () => receiver.to('/cached').length > 0 && receiver.to('/cached'), 15_000);
    expect(verify(cached!)).toMatchObject({ type: 'video.completed', data: { taskId: hit.taskId, cached: true } });
  });

  it('reports a failure', async () => {
    const { taskId } = await alice.submit({ model: FAILING_MODEL, prompt: 'this fails', width: 832, height: 480, numFrames: 5, numInferenceSteps: 2, callbackUrl: receiver.url('/failed') });
    await alice.waitForStatus(taskId, 'FAILED');
    const [failed] = await waitFor('the failure webhook', async () => receiver.to('/failed').length > 0 && receiver.to('/failed'), 15_000);
    expect(verify(failed!)).toMatchObject({ type: 'video.failed', data: { taskId, status: 'FAILED', error: { code: 'backend_error' } } });
  });

  it('refuses a callbackUrl outside the allow-list with 422 naming callbackUrl', async () => {
    const response = await alice.request('POST', '/api/video/generate', { prompt: 'x', ...TINY, callbackUrl: `http://127.0.0.1:${receiver.port + 1}/hook` });
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((error) => error.field)).toEqual(['callbackUrl']);
  });
});
