import { Redis } from 'ioredis';
import { generationQueueName } from '@app/contracts';
import { Api } from '../support/api.js';
import { TestStack, tokenFor } from '../support/stack.js';

const WAN = 'wan2.1-t2v-1.3b'; // enabled in the gateway, served by nobody: its jobs wait
const TINY = { width: 256, height: 256, numFrames: 1, numInferenceSteps: 1 };

/**
 * Admission control on real processes: one EasyAnimate model service and a dispatcher drain the
 * EasyAnimate queue; the Wan queue has no service, so what is submitted there keeps waiting.
 * Caps: 5 waiting jobs over all queues, 2 unfinished tasks per principal. The tests run in order and
 * build on the queue the previous ones left.
 */
describe('guards: admission control', () => {
  const stack = new TestStack({
    MODELS: `easyanimate-v5.1-12b,${WAN}`,
    MAX_WAITING_JOBS: '5',
    MAX_UNFINISHED_PER_PRINCIPAL: '2',
    ADMISSION_RETRY_AFTER_SECONDS: '5',
    THROTTLE_SUBMIT_LIMIT: '1000',
    LOG_LEVEL: 'warn',
  });
  let redis: Redis;
  const as = (sub: string) => new Api(stack.baseUrl, tokenFor(sub));
  const waiting = () => redis.llen(`bull:${generationQueueName(WAN)}:wait`);
  const listed = async (api: Api) => ((await (await api.request('GET', '/api/video/tasks?size=100')).json()) as { total: number }).total;

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 10 }]);
    redis = new Redis(stack.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack.stop();
  });

  it('frees a principal’s slot when one of its tasks completes', async () => {
    const dave = as('dave');
    // 40 steps of 10 ms: the third submit, a few ms later, comes while both are unfinished.
    const first = await dave.submit({ prompt: 'first', ...TINY, numInferenceSteps: 40 });
    const second = await dave.submit({ prompt: 'second', ...TINY, numInferenceSteps: 40 });
    const third = await dave.request('POST', '/api/video/generate', { prompt: 'third', ...TINY });
    expect(third.status).toBe(429);
    await dave.waitForStatus(first.taskId, 'COMPLETED');
    await dave.waitForStatus(second.taskId, 'COMPLETED');
    const again = await dave.request('POST', '/api/video/generate', { prompt: 'third, later', ...TINY });
    expect(again.status).toBe(202);
    await dave.waitForStatus(((await again.json()) as { taskId: string }).taskId, 'COMPLETED');
  });

  it('admits exactly the per-principal cap out of a burst of concurrent submits, creating nothing for the rest', async () => {
    const erin = as('erin');
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => erin.request('POST', '/api/video/generate', { prompt: `burst ${i}`, model: WAN })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(2).fill(202), ...Array(10).fill(429)]);
    expect(await listed(erin)).toBe(2);
    expect(await waiting()).toBe(2);
  });

  it('answers 429 problem+json with Retry-After past the per-principal cap, and admits again after a cancel', async () => {
    const alice = as('alice');
    const first = await alice.submit({ prompt: 'one', model: WAN });
    await alice.submit({ prompt: 'two', model: WAN });
    const refused = await alice.request('POST', '/api/video/generate', { prompt: 'three', model: WAN });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ type: expect.stringMatching(/too-many-unfinished-tasks$/), unfinishedTasks: 2, maxUnfinishedTasks: 2 });
    expect(await listed(alice)).toBe(2);

    expect((await alice.request('DELETE', `/api/video/${first.taskId}`)).status).toBe(200);
    expect((await alice.request('POST', '/api/video/generate', { prompt: 'three, after a cancel', model: WAN })).status).toBe(202);
    expect(await waiting()).toBe(4);
  });

  it('answers 503 problem+json with Retry-After when the queue holds MAX_WAITING_JOBS, creating nothing', async () => {
    const bob = as('bob');
    await bob.submit({ prompt: 'the last place', model: WAN });
    expect(await waiting()).toBe(5);

    const carol = as('carol');
    const refused = await carol.request('POST', '/api/video/generate', { prompt: 'no room', model: WAN });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({ type: expect.stringMatching(/queue-full$/), waitingJobs: 5, maxWaitingJobs: 5 });
    // The cap is global: a model whose own queue is empty is refused too.
    expect((await carol.request('POST', '/api/video/generate', { prompt: 'elsewhere', ...TINY })).status).toBe(503);
    expect(await listed(carol)).toBe(0);
    expect(await waiting()).toBe(5);
  });
});
