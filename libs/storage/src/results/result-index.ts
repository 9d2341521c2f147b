import type { Redis } from 'ioredis';
import { RESULT_INDEX_KEY, resultCacheKey, resultRefsKey, taskKey } from '@app/contracts';
import type { ResultStore } from '../objects/result-store.js';

/**
 * Marks every task showing the result EXPIRED (only COMPLETED ones: a cancelled caller stays cancelled),
 * forgets the result and drops the cache entry of the request that rendered it if it still points here.
 * KEYS: refs, index. ARGV: result key, task key prefix, now (ISO), cache key prefix.
 */
const EXPIRE = `
local members = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(members) do
  local key = ARGV[2] .. id
  if redis.call('HGET', key, 'status') == 'COMPLETED' then
    redis.call('HSET', key, 'status', 'EXPIRED', 'updateTime', ARGV[3])
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local requestKey = redis.call('HGET', ARGV[2] .. ARGV[1], 'requestKey')
if requestKey then
  if redis.call('HGET', ARGV[4] .. requestKey, 'resultKey') == ARGV[1] then redis.call('DEL', ARGV[4] .. requestKey) end
end
return #members`;

type Command<T> = (...args: Array<string | number>) => Promise<T>;

/** Which stored results exist, since when, and which tasks show each: what retention and "file gone" need. */
export class ResultIndex {
  private readonly expireCommand: Command<number>;

  constructor(
    private readonly redis: Redis,
    private readonly store: ResultStore,
  ) {
    if (!('videogwExpireResult' in redis)) redis.defineCommand('videogwExpireResult', { numberOfKeys: 2, lua: EXPIRE });
    this.expireCommand = (redis as unknown as Record<string, Command<number>>).videogwExpireResult!.bind(redis);
  }

  /** A result was stored by the task `resultKey` at `storedAt` (ms). */
  async track(resultKey: string, storedAt: number): Promise<void> {
    await this.redis.zadd(RESULT_INDEX_KEY, storedAt, resultKey);
  }

  async addReference(resultKey: string, taskId: string): Promise<void> {
    await this.redis.sadd(resultRefsKey(resultKey), taskId);
  }

  /** Deletes a result from Redis and storage; its tasks say EXPIRED. Returns how many tasks showed it. */
  async expire(resultKey: string): Promise<number> {
    const tasks = await this.expireCommand(resultRefsKey(resultKey), RESULT_INDEX_KEY, resultKey, taskKey(''), new Date().toISOString(), resultCacheKey(''));
    await this.store.remove(resultKey);
    return tasks;
  }

  /** Expires every result stored before `cutoff` (ms), in batches; returns how many results went. */
  async sweep(cutoff: number, batch = 100): Promise<number> {
    let removed = 0;
    for (;;) {
      const keys = await this.redis.zrangebyscore(RESULT_INDEX_KEY, '-inf', cutoff, 'LIMIT', 0, batch);
      if (keys.length === 0) return removed;
      for (const key of keys) await this.expire(key);
      removed += keys.length;
    }
  }
}
