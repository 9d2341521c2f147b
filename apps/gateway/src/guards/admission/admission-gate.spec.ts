import { Redis } from 'ioredis';
import { ownerTasksKey, taskKey } from '@app/contracts';
import { newTaskWrite } from '@app/tasks';
import { TestStack } from '../../../../../test/support/stack.js';
import { ProblemException } from '../../problem/problem.js';
import { AdmissionGate, RELEASE_DELAY_MS, RESERVATIONS_KEY, unfinishedTasksKey } from './admission-gate.js';

const WAIT = 'bull:video.spec-model:wait';
const PAUSED = 'bull:video.spec-model:paused';

const chunks = (pairs: string[]): Array<[string, string]> => pairs.flatMap((value, i) => (i % 2 ? [] : [[value, pairs[i + 1]!] as [string, string]]));

describe('AdmissionGate (real Redis)', () => {
  const stack = new TestStack();
  let redis: Redis;
  const gate = (maxWaitingJobs: number, maxUnfinishedPerOwner: number) =>
    new AdmissionGate(redis, { maxWaitingJobs, maxUnfinishedPerOwner, retryAfterSeconds: 7 }, [WAIT, PAUSED]);
  let n = 0;
  const id = () => `task-${String(++n).padStart(4, '0')}`;
  const newTask = (owner: string, taskId: string) =>
    newTaskWrite({ taskId, owner, status: 'PENDING', createTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() });

  async function refusal(promise: Promise<unknown>): Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }> {
    try {
      await promise;
    } catch (error) {
      if (!(error instanceof ProblemException)) throw error;
      return { status: error.getStatus(), headers: error.headers, body: error.getResponse() as Record<string, unknown> };
    }
    throw new Error('expected a refusal');
  }

  beforeAll(async () => {
    await stack.startRedis();
    redis = new Redis(stack.redisUrl, { enableAutoPipelining: true });
  });
  beforeEach(() => redis.flushdb());
  afterAll(async () => {
    redis.disconnect();
    await stack.stop();
  });

  it('admits below both caps and records the reservation, the owner slot and the task itself', async () => {
    const taskId = id();
    await gate(10, 10).admit('alice', newTask('alice', taskId));
    expect(await redis.zscore(RESERVATIONS_KEY, taskId)).not.toBeNull();
    expect(await redis.smembers(unfinishedTasksKey('alice'))).toEqual([taskId]);
    expect(await redis.hget(taskKey(taskId), 'status')).toBe('PENDING');
    expect(await redis.zrange(ownerTasksKey('alice'), 0, -1)).toEqual([taskId]);
  });

  it('releases reservations that ride along and still writes every field of the task', async () => {
    const gateway = gate(10, 10);
    const first = id();
    (await gateway.admit('alice', newTask('alice', first))).enqueued();
    const second = id();
    await gateway.admit('alice', newTask('alice', second));
    expect(await redis.zscore(RESERVATIONS_KEY, first)).toBeNull();
    expect(await redis.hgetall(taskKey(second))).toEqual(Object.fromEntries(chunks(newTask('alice', second).hashPairs)));
  });

  it('refuses with 503 and Retry-After when the wait lists plus reservations reach the cap, writing nothing', async () => {
    await redis.lpush(WAIT, 'a', 'b');
    await redis.lpush(PAUSED, 'c');
    await gate(4, 10).admit('alice', newTask('alice', id()));
    const refused = await refusal(gate(4, 10).admit('bob', newTask('bob', id())));
    expect(refused.status).toBe(503);
    expect(refused.headers['Retry-After']).toBe('7');
    expect(refused.body).toMatchObject({ waitingJobs: 4, maxWaitingJobs: 4 });
    expect(await redis.exists(unfinishedTasksKey('bob'))).toBe(0);
    expect(await redis.zcard(RESERVATIONS_KEY)).toBe(1);
    expect(await redis.exists(ownerTasksKey('bob'))).toBe(0);
    expect(await redis.keys(taskKey('*'))).toHaveLength(1); // alice's
  });

  it('refuses with 429 past the per-owner cap while other owners still get in', async () => {
    await gate(100, 2).admit('alice', newTask('alice', id()));
    await gate(100, 2).admit('alice', newTask('alice', id()));
    const refused = await refusal(gate(100, 2).admit('alice', newTask('alice', id())));
    expect(refused.status).toBe(429);
    expect(refused.headers['Retry-After']).toBe('7');
    expect(refused.body).toMatchObject({ unfinishedTasks: 2, maxUnfinishedTasks: 2 });
    await expect(gate(100, 2).admit('bob', newTask('bob', id()))).resolves.toBeDefined();
  });

  it('frees the slot of a task that has ended, wherever it ended', async () => {
    const first = id();
    const second = id();
    (await gate(100, 2).admit('alice', newTask('alice', first))).enqueued();
    (await gate(100, 2).admit('alice', newTask('alice', second))).enqueued();
    await redis.hset(taskKey(first), { taskId: first, status: 'COMPLETED' });
    await redis.hset(taskKey(second), { taskId: second, status: 'PROCESSING' });
    await expect(gate(100, 2).admit('alice', newTask('alice', id()))).resolves.toBeDefined();
    expect(await redis.sismember(unfinishedTasksKey('alice'), first)).toBe(0);
    expect(await redis.sismember(unfinishedTasksKey('alice'), second)).toBe(1);
  });

  it('keeps the slot of a reserved task whose hash is gone, and frees it once the reservation is released', async () => {
    const inFlight = id();
    await gate(100, 1).admit('alice', newTask('alice', inFlight));
    await redis.del(taskKey(inFlight)); // deleted behind our back
    expect((await refusal(gate(100, 1).admit('alice', newTask('alice', id())))).status).toBe(429);
    await redis.zrem(RESERVATIONS_KEY, inFlight);
    await expect(gate(100, 1).admit('alice', newTask('alice', id()))).resolves.toBeDefined();
  });

  it('stops counting a job in the reservations once it is enqueued: with the next admission, or soon on its own', async () => {
    const gateway = gate(1, 10);
    const taskId = id();
    const admission = await gateway.admit('alice', newTask('alice', taskId));
    expect((await refusal(gateway.admit('bob', newTask('bob', id())))).status).toBe(503);
    admission.enqueued();
    await redis.lpush(WAIT, taskId);
    expect((await refusal(gateway.admit('bob', newTask('bob', id())))).status).toBe(503); // counted once, in the wait list
    expect(await redis.zscore(RESERVATIONS_KEY, taskId)).toBeNull();
    await redis.del(WAIT); // a dispatcher took it
    const next = id();
    (await gateway.admit('bob', newTask('bob', next))).enqueued();
    await new Promise((resolve) => setTimeout(resolve, RELEASE_DELAY_MS + 50)); // no admission follows
    expect(await redis.zscore(RESERVATIONS_KEY, next)).toBeNull();
  });

  it('gives back both the reservation and the owner slot when the submit fails', async () => {
    const taskId = id();
    await (await gate(10, 10).admit('alice', newTask('alice', taskId))).abandon();
    expect(await redis.zcard(RESERVATIONS_KEY)).toBe(0);
    expect(await redis.scard(unfinishedTasksKey('alice'))).toBe(0);
  });

  it('never overshoots either cap under concurrent submits', async () => {
    const owners = ['alice', 'bob', 'carol', 'dave'];
    const attempts = owners.flatMap((owner) => Array.from({ length: 25 }, () => gate(10, 3).admit(owner, newTask(owner, id())).then(() => owner, () => null)));
    const admitted = (await Promise.all(attempts)).filter((owner): owner is string => owner !== null);
    expect(admitted).toHaveLength(10);
    for (const owner of owners) expect(admitted.filter((each) => each === owner).length).toBeLessThanOrEqual(3);
    expect(await redis.zcard(RESERVATIONS_KEY)).toBe(10);
  });

  it('lets a reservation that was never released expire', async () => {
    await redis.zadd(RESERVATIONS_KEY, Date.now() - 60_000, 'crashed-submit');
    await expect(gate(1, 10).admit('alice', newTask('alice', id()))).resolves.toBeDefined();
    expect(await redis.zscore(RESERVATIONS_KEY, 'crashed-submit')).toBeNull();
  });
});
