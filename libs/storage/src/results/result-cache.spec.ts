import { Redis } from 'ioredis';
import { ownerTasksKey, RESULT_INDEX_KEY, resultCacheKey, resultRefsKey, taskKey, type ResultCacheEntry, type TaskRecord } from '@app/contracts';
import { TaskStore } from '@app/tasks';
import { TestStack } from '../../../../test/support/stack.js';
import type { ResultStore } from '../objects/result-store.js';
import { ResultCache } from './result-cache.js';
import { ResultIndex } from './result-index.js';

describe('ResultCache (real Redis)', () => {
  const stack = new TestStack();
  let redis: Redis;
  let tasks: TaskStore;
  let index: ResultIndex;
  let n = 0;

  const entry = (resultKey: string): ResultCacheEntry => ({ resultKey, resultBytes: 1234, adjustments: [], effective: { width: 256, height: 256, numFrames: 9, fps: 8, numInferenceSteps: 2, guidanceScale: 6, seed: 1 } as never });
  const hitTask = (owner = 'bob'): TaskRecord => {
    const now = new Date().toISOString();
    return {
      taskId: `hit-${++n}`,
      owner,
      model: 'easyanimate-v5.1-12b',
      mode: 't2v',
      priority: 'normal',
      status: 'COMPLETED',
      progress: 1,
      createTime: now,
      updateTime: now,
      startTime: now,
      finishTime: now,
      requested: { prompt: 'a fox', width: 256, height: 256, numFrames: 9, fps: 8, numInferenceSteps: 2, guidanceScale: 6, seed: 1 } as never,
      adjustments: [],
      attempts: 0,
      cancelRequested: false,
      cached: true,
    };
  };
  /** A finished render as the lifecycle leaves it: indexed for retention and in the cache. */
  const rendered = async (requestKey: string, resultKey: string, cache: ResultCache) => {
    await index.track(resultKey, Date.now());
    await cache.put(requestKey, entry(resultKey));
  };
  const cacheWith = (recheckMs: number) => new ResultCache(redis, { ttlSeconds: 3600, recheckMs });
  const answer = (cache: ResultCache, requestKey: string, task: TaskRecord, check: (entry: ResultCacheEntry) => Promise<boolean>) =>
    cache.answer(requestKey, check, (found) => ({ ...task, ...found }));
  /** A check that passes and counts its calls. */
  const passes = () => {
    const check = Object.assign(async () => ++check.calls > 0, { calls: 0 });
    return check;
  };

  beforeAll(async () => {
    await stack.startRedis();
    redis = new Redis(stack.redisUrl, { enableAutoPipelining: true });
    tasks = new TaskStore(redis);
    const noFiles = { remove: async () => undefined } as unknown as ResultStore;
    index = new ResultIndex(redis, noFiles);
  });
  afterAll(async () => {
    redis.disconnect();
    await stack.stop();
  });

  it('misses without an entry and writes nothing', async () => {
    const task = hitTask();
    expect(await answer(cacheWith(5000), 'no-such-request', task, passes())).toBeNull();
    expect(await redis.exists(taskKey(task.taskId))).toBe(0);
  });

  it('writes the hit with the entry’s result fields, indexed under its owner and referenced by the result', async () => {
    const cache = cacheWith(5000);
    await rendered('req-a', 'render-a', cache);
    const task = hitTask('carol');
    expect(await answer(cache, 'req-a', task, passes())).toMatchObject({ resultKey: 'render-a', resultBytes: 1234 });
    expect(await tasks.get(task.taskId)).toMatchObject({ taskId: task.taskId, owner: 'carol', status: 'COMPLETED', cached: true, resultKey: 'render-a', resultBytes: 1234 });
    expect(await redis.zscore(ownerTasksKey('carol'), task.taskId)).not.toBeNull();
    expect(await redis.sismember(resultRefsKey('render-a'), task.taskId)).toBe(1);
  });

  it('reads and checks an entry once per recheck interval, not on every hit', async () => {
    const cache = cacheWith(400);
    await rendered('req-b', 'render-b', cache);
    const check = passes();
    for (let i = 0; i < 5; i++) expect(await answer(cache, 'req-b', hitTask(), check)).not.toBeNull();
    expect(check.calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await answer(cache, 'req-b', hitTask(), check);
    expect(check.calls).toBe(2);
  });

  it('answers nothing from an entry that fails its check', async () => {
    const cache = cacheWith(5000);
    await rendered('req-c', 'render-c', cache);
    const task = hitTask();
    expect(await answer(cache, 'req-c', task, async () => false)).toBeNull();
    expect(await redis.exists(taskKey(task.taskId))).toBe(0);
  });

  it('misses, leaving nothing behind, once retention expired a result it still remembers', async () => {
    const cache = cacheWith(60_000);
    await rendered('req-d', 'render-d', cache);
    const earlier = hitTask('dave');
    await answer(cache, 'req-d', earlier, passes());
    await index.expire('render-d'); // the retention sweep: the entry and the index entry go
    expect((await tasks.get(earlier.taskId))?.status).toBe('EXPIRED');

    const late = hitTask('dave');
    expect(await answer(cache, 'req-d', late, passes())).toBeNull();
    expect(await redis.exists(taskKey(late.taskId))).toBe(0);
    expect(await redis.zscore(ownerTasksKey('dave'), late.taskId)).toBeNull();
    expect(await redis.exists(resultRefsKey('render-d'))).toBe(0);
    expect(await redis.zscore(RESULT_INDEX_KEY, 'render-d')).toBeNull();
  });

  it('remembers an entry no longer than Redis keeps it', async () => {
    const cache = cacheWith(60_000);
    await rendered('req-e', 'render-e', cache);
    await redis.pexpire(resultCacheKey('req-e'), 300);
    expect(await answer(cache, 'req-e', hitTask(), passes())).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await answer(cache, 'req-e', hitTask(), passes())).toBeNull();
  });
});
