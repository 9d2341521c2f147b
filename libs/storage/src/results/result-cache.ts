import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { ownerTasksKey, RESULT_INDEX_KEY, resultCacheKey, resultRefsKey, taskKey, type ResultCacheEntry, type TaskRecord } from '@app/contracts';
import { encodeNewTask, encodeTaskFields } from '@app/tasks';

/** Checks a freshly read entry before it is trusted (its file still exists); false: do not answer from it. */
export type EntryCheck = (entry: ResultCacheEntry) => Promise<boolean>;

/**
 * Writes a hit only while its result is still indexed: retention removes the result from the index in the
 * same script that marks the tasks in its references EXPIRED, so a hit either lands before (and expires with
 * the rest) or writes nothing. KEYS: result index, the result's references, task, owner's task index.
 * ARGV: result key, task id, createTime score, then the task's field/value pairs.
 */
const WRITE_HIT = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], unpack(ARGV, 4))
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
return 1`;

export interface ResultCacheOptions {
  ttlSeconds: number;
  /** How long this process answers from an entry it has read and checked before reading and checking it again. */
  recheckMs: number;
  /** Entries remembered at once (least recently used go first). */
  remembered?: number;
}

/**
 * Finished renders by canonical request key, so a repeated request costs no GPU time. An entry is a hash of
 * the task fields a hit takes over (resultKey, resultBytes, effective, adjustments), in the task codec's encoding.
 *
 * A hit costs one round trip, WRITE_HIT. The entry itself (and the check of its file) is remembered for
 * `recheckMs`; when its result has expired meanwhile, the hit writes nothing and the entry is read again.
 */
export class ResultCache {
  private readonly known: LRUCache<string, ResultCacheEntry>;
  private readonly hitCommand: (...args: Array<string | number>) => Promise<number>;

  constructor(
    private readonly redis: Redis,
    private readonly options: ResultCacheOptions,
  ) {
    if (!('videogwCacheHit' in redis)) redis.defineCommand('videogwCacheHit', { numberOfKeys: 4, lua: WRITE_HIT });
    this.hitCommand = (redis as unknown as Record<string, (...args: Array<string | number>) => Promise<number>>).videogwCacheHit!.bind(redis);
    this.known = new LRUCache({ max: options.remembered ?? 10_000, ttl: Math.max(1, options.recheckMs), ttlAutopurge: false });
  }

  async get(requestKey: string): Promise<ResultCacheEntry | null> {
    return decodeEntry(await this.redis.hgetall(resultCacheKey(requestKey)));
  }

  async put(requestKey: string, entry: ResultCacheEntry): Promise<void> {
    const key = resultCacheKey(requestKey);
    await this.redis.multi().del(key).hset(key, encodeTaskFields(entry)).expire(key, this.options.ttlSeconds).exec();
  }

  /**
   * When `requestKey` has an entry that passes `check`, writes the task `hitFor` makes from it (COMPLETED,
   * cached) and returns that task; null on a miss, with nothing written.
   */
  async answer(requestKey: string, check: EntryCheck, hitFor: (entry: ResultCacheEntry) => TaskRecord): Promise<TaskRecord | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const entry = this.known.get(requestKey) ?? (await this.readAndCheck(requestKey, check));
      if (!entry) return null;
      const hit = hitFor(entry);
      if ((await this.writeHit(hit, entry.resultKey)) === 1) return hit;
      this.known.delete(requestKey); // the result expired since the entry was read: read it again
    }
    return null;
  }

  private async readAndCheck(requestKey: string, check: EntryCheck): Promise<ResultCacheEntry | null> {
    const key = resultCacheKey(requestKey);
    const [hash, ttlMs] = await Promise.all([this.redis.hgetall(key), this.redis.pttl(key)]);
    const entry = decodeEntry(hash);
    if (!entry || !(await check(entry))) return null;
    if (ttlMs > 0) this.known.set(requestKey, entry, { ttl: Math.min(this.options.recheckMs, ttlMs) });
    return entry;
  }

  /** 1 when the result was still indexed, and the task is now written, indexed and referenced; 0: nothing written. */
  private writeHit(task: TaskRecord, resultKey: string): Promise<number> {
    return this.hitCommand(
      RESULT_INDEX_KEY,
      resultRefsKey(resultKey),
      taskKey(task.taskId),
      ownerTasksKey(task.owner),
      resultKey,
      task.taskId,
      Date.parse(task.createTime),
      ...encodeNewTask(task),
    );
  }
}

function decodeEntry(hash: Record<string, string>): ResultCacheEntry | null {
  if (hash.resultKey === undefined) return null;
  return {
    resultKey: hash.resultKey,
    resultBytes: Number(hash.resultBytes ?? 0),
    adjustments: hash.adjustments ? JSON.parse(hash.adjustments) : [],
    ...(hash.effective ? { effective: JSON.parse(hash.effective) } : {}),
  };
}
