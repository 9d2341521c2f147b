import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

export interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/**
 * A fixed window per key: INCR, start the window on the first hit, and when the hit that crosses the limit
 * comes and blockDuration outlasts the window, stretch the key to blockDuration. Returns hits and the
 * milliseconds left. One EVALSHA per request; every replica shares the counters.
 */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if hits == 1 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {hits, ttl}
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  left = ttl
end
local block = tonumber(ARGV[3])
if hits == tonumber(ARGV[2]) + 1 and block > left then
  redis.call('PEXPIRE', KEYS[1], block)
  left = block
end
return {hits, left}`;

type HitCommand = (key: string, ttlMs: number, limit: number, blockMs: number) => Promise<[number, number]>;

/**
 * @nestjs/throttler's storage on our ioredis connection (auto-pipelined), shared by all gateway replicas.
 * ioredis' defineCommand sends EVALSHA and falls back to EVAL once after a Redis restart (NOSCRIPT).
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly hit: HitCommand;

  constructor(
    redis: Redis,
    private readonly prefix = 'videogw:throttle:',
  ) {
    if (!('videogwThrottleHit' in redis)) redis.defineCommand('videogwThrottleHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    const command = (redis as unknown as { videogwThrottleHit: HitCommand }).videogwThrottleHit;
    this.hit = command.bind(redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): Promise<ThrottlerStorageRecord> {
    const [totalHits, leftMs] = await this.hit(this.prefix + key, ttl, limit, blockDuration);
    const seconds = Math.max(1, Math.ceil(leftMs / 1000));
    const isBlocked = totalHits > limit;
    return { totalHits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }
}
