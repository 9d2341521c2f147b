import type { Redis } from 'ioredis';
import { coalesceGroupKey, inflightKey, taskKey } from '@app/contracts';

/**
 * Join the job in flight for this request, or become its leader. The group set holds every task still
 * waiting for the leader's job; it exists from the leader's claim until close() (or its last waiter leaves).
 * A leader whose hash is not written yet counts as alive: it claims before it creates its task.
 * KEYS: inflight. ARGV: taskId, ttl ms, group key prefix, task key prefix.
 */
const JOIN = `
local leader = redis.call('GET', KEYS[1])
if leader and leader ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. leader) == 1 then
  local status = redis.call('HGET', ARGV[4] .. leader, 'status')
  if status ~= 'FAILED' and status ~= 'CANCELLED' and status ~= 'EXPIRED' then
    redis.call('SADD', ARGV[3] .. leader, ARGV[1])
    redis.call('HSET', ARGV[4] .. ARGV[1], 'leaderId', leader)
    return leader
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', ARGV[3] .. ARGV[1], ARGV[1])
redis.call('PEXPIRE', ARGV[3] .. ARGV[1], ARGV[2])
return false`;

/** KEYS: group. ARGV: taskId. Returns the waiters left, or -1 when the task was not waiting (group closed). */
const LEAVE = `
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return -1 end
return redis.call('SCARD', KEYS[1])`;

/** KEYS: inflight, group. ARGV: leaderId. Ends the group; returns who was still waiting. */
const CLOSE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
local members = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return members`;

type Command<T> = (...args: Array<string | number>) => Promise<T>;

/** Identical requests in flight share one GPU job: the first is the leader, the others follow it. */
export class Coalescer {
  private readonly joinCommand: Command<string | null>;
  private readonly leaveCommand: Command<number>;
  private readonly closeCommand: Command<string[]>;

  constructor(
    redis: Redis,
    private readonly claimTtlMs: number,
  ) {
    const commands = redis as unknown as Record<string, Command<unknown>>;
    if (!('videogwJoin' in redis)) redis.defineCommand('videogwJoin', { numberOfKeys: 1, lua: JOIN });
    if (!('videogwLeave' in redis)) redis.defineCommand('videogwLeave', { numberOfKeys: 1, lua: LEAVE });
    if (!('videogwClose' in redis)) redis.defineCommand('videogwClose', { numberOfKeys: 2, lua: CLOSE });
    this.joinCommand = commands.videogwJoin!.bind(redis) as Command<string | null>;
    this.leaveCommand = commands.videogwLeave!.bind(redis) as Command<number>;
    this.closeCommand = commands.videogwClose!.bind(redis) as Command<string[]>;
  }

  /** The leader's id when `taskId` joined a job in flight (its hash now names the leader), or null: `taskId` leads. */
  async join(requestKey: string, taskId: string): Promise<string | null> {
    return (await this.joinCommand(inflightKey(requestKey), taskId, this.claimTtlMs, coalesceGroupKey(''), taskKey(''))) ?? null;
  }

  /** Waiters left after `taskId` stopped waiting for `leaderId`'s job; -1 when it was no longer waiting. */
  async leave(leaderId: string, taskId: string): Promise<number> {
    return this.leaveCommand(coalesceGroupKey(leaderId), taskId);
  }

  /** Ends the leader's group (its job finished); returns the tasks that were waiting, the leader among them. */
  async close(requestKey: string, leaderId: string): Promise<string[]> {
    return this.closeCommand(inflightKey(requestKey), coalesceGroupKey(leaderId), leaderId);
  }
}
