import type { Redis } from 'ioredis';
import { resultCacheKey, type ResultCacheEntry } from '@app/contracts';

/** Finished renders by canonical request key, so a repeated request costs no GPU time. One GET per lookup. */
export class ResultCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async get(requestKey: string): Promise<ResultCacheEntry | null> {
    const raw = await this.redis.get(resultCacheKey(requestKey));
    return raw === null ? null : (JSON.parse(raw) as ResultCacheEntry);
  }

  async put(requestKey: string, entry: ResultCacheEntry): Promise<void> {
    await this.redis.set(resultCacheKey(requestKey), JSON.stringify(entry), 'EX', this.ttlSeconds);
  }

  /** Drops the entry only while it still points at `resultKey` (a newer render may have replaced it). */
  async drop(requestKey: string, resultKey: string): Promise<void> {
    const entry = await this.get(requestKey);
    if (entry?.resultKey === resultKey) await this.redis.del(resultCacheKey(requestKey));
  }
}
