import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Api, type TaskBody } from '../support/api.js';
import { generationsStarted } from '../support/model-service-probe.js';
import { TestStack, tokenFor } from '../support/stack.js';

const TINY = { width: 256, height: 256, numFrames: 3, numInferenceSteps: 2 };
/** Long enough (100 steps x 30 ms) to cancel while it runs. */
const SLOW = { width: 256, height: 256, numFrames: 3, numInferenceSteps: 100 };
/** How long the gateway answers from an entry whose file it has seen before it looks again. */
const RECHECK_MS = 300;

/**
 * The result cache, coalescing and Idempotency-Key on real processes: one model service, whose own
 * counter of submitted generations proves when the GPU was (not) used.
 */
describe('results: cache, coalescing, idempotency', () => {
  const stack = new TestStack({ THROTTLE_ENABLED: 'false', LOG_LEVEL: 'warn', RESULT_CACHE_RECHECK_MS: String(RECHECK_MS) });
  let alice: Api;
  let bob: Api;
  let serviceUrl: string;
  const generations = () => generationsStarted(serviceUrl);
  const bytesOf = async (api: Api, taskId: string) => Buffer.from(await (await api.request('GET', `/api/video/result/${taskId}`)).arrayBuffer());
  const submitWith = async (api: Api, body: Record<string, unknown>, headers: Record<string, string>) => {
    const response = await api.request('POST', '/api/video/generate', body, headers);
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as TaskBody & { errors?: Array<{ field: string }> } };
  };

  beforeAll(async () => {
    await stack.start([{ stepDelayMs: 30 }]);
    alice = new Api(stack.baseUrl, tokenFor('alice'));
    bob = new Api(stack.baseUrl, tokenFor('bob'));
    serviceUrl = stack.modelServices[0]!.url;
  });
  afterAll(() => stack.stop());

  it('answers a repeated seeded request from the cache: COMPLETED, cached, same video, no GPU', async () => {
    const first = await alice.submit({ prompt: 'a lighthouse at dusk', ...TINY, seed: 11 });
    expect(first).toMatchObject({ status: 'PENDING', cached: false });
    await alice.waitForStatus(first.taskId, 'COMPLETED');
    const before = await generations();

    // The prompt is normalised (spaces) before the key is computed; another principal hits the same entry.
    const hit = await bob.submit({ prompt: 'a  lighthouse at dusk ', ...TINY, seed: 11 });
    expect(hit).toMatchObject({ status: 'COMPLETED', cached: true, progress: 1 });
    expect(hit.taskId).not.toBe(first.taskId);
    expect(hit.resultUrl).toBe(`/api/video/result/${hit.taskId}`);
    expect(await bytesOf(bob, hit.taskId)).toEqual(await bytesOf(alice, first.taskId));
    expect((await bob.status(hit.taskId)).cached).toBe(true);
    expect(await generations()).toBe(before);
  });

  it('renders again without a seed, with cache: false, and with Cache-Control: no-cache', async () => {
    const seedless = await alice.submit({ prompt: 'seedless waves', ...TINY });
    await alice.waitForStatus(seedless.taskId, 'COMPLETED');
    const again = await alice.submit({ prompt: 'seedless waves', ...TINY });
    expect(again).toMatchObject({ status: 'PENDING', cached: false });

    const seeded = await alice.submit({ prompt: 'opt-out test', ...TINY, seed: 5 });
    await alice.waitForStatus(seeded.taskId, 'COMPLETED');
    const optedOut = await alice.submit({ prompt: 'opt-out test', ...TINY, seed: 5, cache: false });
    expect(optedOut).toMatchObject({ status: 'PENDING', cached: false });
    const noCache = await submitWith(alice, { prompt: 'opt-out test', ...TINY, seed: 5 }, { 'cache-control': 'no-cache' });
    expect(noCache.status).toBe(202);
    expect(noCache.body).toMatchObject({ status: 'PENDING', cached: false });
    for (const task of [again, optedOut, noCache.body]) await alice.waitForStatus(task.taskId, 'COMPLETED');
    // ...and the plain request still hits.
    expect(await alice.submit({ prompt: 'opt-out test', ...TINY, seed: 5 })).toMatchObject({ status: 'COMPLETED', cached: true });
  });

  it('treats an entry whose file is gone as a miss, and the tasks that showed it as expired', async () => {
    const origin = await alice.submit({ prompt: 'a file that vanishes', ...TINY, seed: 21 });
    await alice.waitForStatus(origin.taskId, 'COMPLETED');
    const hit = await alice.submit({ prompt: 'a file that vanishes', ...TINY, seed: 21 });
    expect(hit.cached).toBe(true);

    await rm(join(stack.dir, 'data', 'results', `${origin.taskId}.mp4`));
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS + 100));
    const before = await generations();
    const miss = await alice.submit({ prompt: 'a file that vanishes', ...TINY, seed: 21 });
    expect(miss).toMatchObject({ status: 'PENDING', cached: false });
    await alice.waitForStatus(miss.taskId, 'COMPLETED');
    expect(await generations()).toBe(before + 1);
    expect((await alice.status(origin.taskId)).status).toBe('EXPIRED');
    expect((await alice.status(hit.taskId)).status).toBe('EXPIRED');
    const gone = await alice.request('GET', `/api/video/result/${hit.taskId}`);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
    expect((await bytesOf(alice, miss.taskId)).length).toBeGreaterThan(0);
  });

  it('runs five identical concurrent submits as exactly one model-service job', async () => {
    const before = await generations();
    const body = { prompt: 'five callers, one render', ...TINY, numInferenceSteps: 10, seed: 31 };
    const callers = [alice, bob, alice, bob, alice];
    const submitted = await Promise.all(callers.map((api) => api.submit(body)));
    expect(new Set(submitted.map((task) => task.taskId)).size).toBe(5);
    const done = await Promise.all(submitted.map((task, i) => callers[i]!.waitForStatus(task.taskId, 'COMPLETED')));
    expect(await generations()).toBe(before + 1);
    for (const task of done) expect(task).toMatchObject({ progress: 1, effective: { width: 256, height: 256, seed: 31 } });
    const videos = await Promise.all(submitted.map((task, i) => bytesOf(callers[i]!, task.taskId)));
    for (const video of videos) expect(video).toEqual(videos[0]);
  });

  it('keeps a shared job running while another caller waits, and stops it when the last one cancels', async () => {
    const before = await generations();
    const leader = await alice.submit({ prompt: 'shared and cancelled', ...SLOW, seed: 41 });
    await alice.waitForStatus(leader.taskId, (task) => task.status === 'PROCESSING' && task.progress > 0);
    const follower = await bob.submit({ prompt: 'shared and cancelled', ...SLOW, seed: 41 });
    expect(follower.status).toBe('PROCESSING'); // it mirrors the job it joined

    const cancelLeader = await alice.request('DELETE', `/api/video/${leader.taskId}`);
    expect(cancelLeader.status).toBe(200);
    expect(await cancelLeader.json()).toMatchObject({ status: 'CANCELLED' });
    const finished = await bob.waitForStatus(follower.taskId, 'COMPLETED', 30_000);
    expect(finished.progress).toBe(1);
    expect((await alice.status(leader.taskId)).status).toBe('CANCELLED');
    expect((await alice.request('GET', `/api/video/result/${leader.taskId}`)).status).toBe(409);
    expect((await bob.request('GET', `/api/video/result/${follower.taskId}`)).status).toBe(200);

    const second = await alice.submit({ prompt: 'everyone leaves', ...SLOW, seed: 42 });
    await alice.waitForStatus(second.taskId, (task) => task.status === 'PROCESSING' && task.progress > 0);
    const joined = await bob.submit({ prompt: 'everyone leaves', ...SLOW, seed: 42 });
    const cancelJoined = await bob.request('DELETE', `/api/video/${joined.taskId}`);
    expect(cancelJoined.status).toBe(200);
    expect((await alice.status(second.taskId)).status).toBe('PROCESSING');
    expect((await alice.request('DELETE', `/api/video/${second.taskId}`)).status).toBe(202);
    const stopped = await alice.waitForStatus(second.taskId, 'CANCELLED', 10_000);
    expect(stopped.progress).toBeLessThan(1);
    expect((await bob.status(joined.taskId)).status).toBe('CANCELLED');
    expect(await generations()).toBe(before + 2);
  });

  it('replays an Idempotency-Key with the same body and refuses it with another body', async () => {
    const body = { prompt: 'exactly once', ...TINY, cache: false };
    const key = 'order-7f3a-0001';
    const first = await submitWith(alice, body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const replay = await submitWith(alice, { ...body }, { 'idempotency-key': key });
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);

    const conflict = await submitWith(alice, { ...body, prompt: 'something else' }, { 'idempotency-key': key });
    expect(conflict.status).toBe(422);
    expect(conflict.type).toContain('application/problem+json');
    expect(conflict.body.errors?.[0]?.field).toBe('Idempotency-Key');

    // Keys are per principal: bob's identical key is a new request.
    const bobs = await submitWith(bob, body, { 'idempotency-key': key });
    expect(bobs.status).toBe(202);
    expect(bobs.body.taskId).not.toBe(first.body.taskId);

    // Concurrent retries of one key still make one task.
    const burst = await Promise.all([1, 2, 3].map(() => submitWith(alice, body, { 'idempotency-key': 'burst-key-01' })));
    expect(new Set(burst.map((answer) => answer.body.taskId)).size).toBe(1);
    const listed = (await (await alice.request('GET', '/api/video/tasks?size=100')).json()) as { items: Array<{ requested: { prompt: string } }> };
    expect(listed.items.filter((task) => task.requested.prompt === 'exactly once')).toHaveLength(2);
  });
});
