import { Redis } from 'ioredis';
import { TestStack } from '../../../../../test/support/stack.js';
import { waitFor } from '../../../../../test/support/processes.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

describe('RedisThrottlerStorage (real Redis)', () => {
  const stack = new TestStack();
  let redis: Redis;
  let storage: RedisThrottlerStorage;
  let n = 0;
  const key = () => `spec-${++n}`;

  beforeAll(async () => {
    await stack.startRedis();
    redis = new Redis(stack.redisUrl, { enableAutoPipelining: true });
    storage = new RedisThrottlerStorage(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await stack.stop();
  });

  it('counts hits in a window and blocks past the limit', async () => {
    const k = key();
    const records = [];
    for (let i = 0; i < 4; i++) records.push(await storage.increment(k, 10_000, 3, 10_000));
    expect(records.map((record) => [record.totalHits, record.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(records[3]!.timeToBlockExpire).toBeGreaterThan(0);
    expect(records[3]!.timeToBlockExpire).toBeLessThanOrEqual(10);
    expect(records[0]!.timeToExpire).toBe(10);
  });

  it('keeps separate keys apart and stores them under its prefix', async () => {
    const a = key();
    const b = key();
    await storage.increment(a, 10_000, 1, 10_000);
    expect((await storage.increment(b, 10_000, 1, 10_000)).isBlocked).toBe(false);
    expect(await redis.get(`videogw:throttle:${a}`)).toBe('1');
    expect(await redis.pttl(`videogw:throttle:${a}`)).toBeGreaterThan(9_000);
  });

  it('stretches the window to blockDuration when the limit is crossed', async () => {
    const k = key();
    await storage.increment(k, 1_000, 1, 60_000);
    const blocked = await storage.increment(k, 1_000, 1, 60_000);
    expect(blocked.isBlocked).toBe(true);
    expect(blocked.timeToBlockExpire).toBe(60);
    expect(await redis.pttl(`videogw:throttle:${k}`)).toBeGreaterThan(50_000);
  });

  it('starts a new window once the old one has expired', async () => {
    const k = key();
    await storage.increment(k, 150, 1, 150);
    expect((await storage.increment(k, 150, 1, 150)).isBlocked).toBe(true);
    await waitFor('the window to expire', async () => (await redis.exists(`videogw:throttle:${k}`)) === 0, 5_000, 20);
    expect(await storage.increment(k, 150, 1, 150)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('counts every one of many concurrent hits exactly once (one script per hit)', async () => {
    const k = key();
    const records = await Promise.all(Array.from({ length: 200 }, () => storage.increment(k, 10_000, 50, 10_000)));
    expect(records.map((record) => record.totalHits).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(records.filter((record) => !record.isBlocked)).toHaveLength(50);
  });

  it('survives a script cache flush (EVALSHA falls back to EVAL)', async () => {
    await redis.script('FLUSH');
    expect((await storage.increment(key(), 10_000, 5, 10_000)).totalHits).toBe(1);
  });
});
