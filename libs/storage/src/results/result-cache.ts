import type { Redis } from 'ioredis';
import { ownerTasksKey, resultCacheKey, resultRefsKey, taskKey, type ResultCacheEntry, type TaskRecord } from '@app/contracts';
import { encodeTaskFields } from '@app/tasks';

/**
 * A cache hit in one round trip: when the entry exists, writes the new task (its own fields from ARGV, then
 * the entry's result fields), indexes it under its owner as TaskStore.create does, and records it as a
 * reference of the stored result. Returns the entry's fields, or false on a miss.
 * KEYS: cache entry, task, owner's task index. ARGV: createTime score, taskId, refs key prefix, refs key
 * suffix, then the task's field/value pairs.
 */
const HIT = `
local entry = redis.call('HGETALL', KEYS[1])
if #entry == 0 then return false end
local fields = { unpack(ARGV, 5) }
for i = 1, #entry, 2 do
  fields[#fields + 1] = entry[i]
  fields[#fields + 1] = entry[i + 1]
  if entry[i] == 'resultKey' then redis.call('SADD', ARGV[3] .. entry[i + 1] .. ARGV[4], ARGV[2]) end
end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
return entry`;

const [REFS_PREFIX, REFS_SUFFIX] = resultRefsKey('\u0000').split('\u0000') as [string, string];

type HitCommand = (...args: Array<string | number>) => Promise<string[] | null>;

/**
 * Finished renders by canonical request key, so a repeated request costs no GPU time. An entry is a hash of
 * the task fields a hit takes over (resultKey, resultBytes, effective, adjustments), in the task codec's encoding.
 */
export class ResultCache {
  private readonly hitCommand: HitCommand;

  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {
    if (!('videogwCacheHit' in redis)) redis.defineCommand('videogwCacheHit', { numberOfKeys: 3, lua: HIT });
    this.hitCommand = (redis as unknown as Record<string, HitCommand>).videogwCacheHit!.bind(redis);
  }

  async get(requestKey: string): Promise<ResultCacheEntry | null> {
    return decodeEntry(await this.redis.hgetall(resultCacheKey(requestKey)));
  }

  async put(requestKey: string, entry: ResultCacheEntry): Promise<void> {
    const key = resultCacheKey(requestKey);
    await this.redis.multi().del(key).hset(key, encodeTaskFields(entry)).expire(key, this.ttlSeconds).exec();
  }

  /**
   * When `requestKey` has an entry, writes `task` (already COMPLETED, cached) with the entry's result fields
   * and returns the entry; null on a miss, with nothing written.
   */
  async answer(requestKey: string, task: TaskRecord): Promise<ResultCacheEntry | null> {
    const fields = encodeTaskFields(task);
    const pairs: string[] = [];
    for (const name in fields) pairs.push(name, fields[name]!);
    const raw = await this.hitCommand(
      resultCacheKey(requestKey),
      taskKey(task.taskId),
      ownerTasksKey(task.owner),
      Date.parse(task.createTime),
      task.taskId,
      REFS_PREFIX,
      REFS_SUFFIX,
      ...pairs,
    );
    if (!raw) return null;
    const hash: Record<string, string> = {};
    for (let i = 0; i < raw.length; i += 2) hash[raw[i]!] = raw[i + 1]!;
    return decodeEntry(hash);
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
