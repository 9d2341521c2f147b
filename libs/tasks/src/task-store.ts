import type { Redis } from 'ioredis';
import { ownerTasksKey, taskKey, TERMINAL_STATUSES, type TaskRecord, type TaskStatus } from '@app/contracts';
import { decodeTask, encodeNewTask, encodeTaskFields, encodeTaskPairs } from './task-codec.js';

/**
 * Writes the field/value pairs in ARGV only while the task exists and has not ended.
 * Returns 1 when it wrote, 0 when the task had already ended, -1 when there is no task.
 */
const TRANSITION_SCRIPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if string.find(ARGV[1], '|' .. status .. '|', 1, true) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`;
const TERMINAL_LIST = `|${[...TERMINAL_STATUSES].join('|')}|`;

/** Runs after transition() moved a task to a terminal status (result cache, coalesced followers, webhooks). */
export type TerminalListener = (taskId: string, status: TaskStatus) => Promise<void>;

/** How a new task is written: its hash, and its entry in the owner's index (by creation time). */
export interface NewTaskWrite {
  taskId: string;
  hashKey: string;
  hashPairs: string[];
  indexKey: string;
  indexScore: number;
}

/** The writes that create `task`, for TaskStore.create or for a script that creates it along with other work. */
export function newTaskWrite(task: Partial<TaskRecord> & Pick<TaskRecord, 'taskId' | 'owner' | 'createTime'>): NewTaskWrite {
  return {
    taskId: task.taskId,
    hashKey: taskKey(task.taskId),
    hashPairs: encodeNewTask(task),
    indexKey: ownerTasksKey(task.owner),
    indexScore: Date.parse(task.createTime),
  };
}

export class TaskStore {
  private readonly terminalListeners: TerminalListener[] = [];

  constructor(private readonly redis: Redis) {}

  onTerminal(listener: TerminalListener): void {
    this.terminalListeners.push(listener);
  }

  /** Two auto-pipelined writes, not a MULTI: both are idempotent, and MULTI costs as much as a Bull add. */
  async create(task: TaskRecord): Promise<void> {
    const write = newTaskWrite(task);
    await Promise.all([this.redis.hset(write.hashKey, write.hashPairs), this.redis.zadd(write.indexKey, write.indexScore, write.taskId)]);
  }

  async get(taskId: string): Promise<TaskRecord | null> {
    return decodeTask(await this.redis.hgetall(taskKey(taskId)));
  }

  /** Unconditional field update, for progress and bookkeeping on a live task. */
  async patch(taskId: string, fields: Partial<TaskRecord>): Promise<void> {
    await this.redis.hset(taskKey(taskId), encodeTaskFields({ ...fields, updateTime: new Date().toISOString() }));
  }

  /**
   * Moves a task to `status` unless it already ended: a cancelled task is never
   * resurrected by a late progress report. Returns whether the move happened.
   */
  async transition(taskId: string, status: TaskStatus, fields: Partial<TaskRecord> = {}): Promise<boolean> {
    const now = new Date().toISOString();
    const terminal = TERMINAL_STATUSES.has(status) ? { finishTime: now } : {};
    const pairs = encodeTaskPairs({ ...fields, ...terminal, status, updateTime: now });
    const verdict = (await this.redis.eval(TRANSITION_SCRIPT, 1, taskKey(taskId), TERMINAL_LIST, ...pairs)) as number;
    if (verdict === 1 && TERMINAL_STATUSES.has(status)) for (const listener of this.terminalListeners) await listener(taskId, status);
    return verdict === 1;
  }

  async remove(task: Pick<TaskRecord, 'taskId' | 'owner'>): Promise<void> {
    await this.redis.multi().del(taskKey(task.taskId)).zrem(ownerTasksKey(task.owner), task.taskId).exec();
  }

  /** Newest first. */
  async listByOwner(owner: string, offset: number, limit: number): Promise<{ total: number; tasks: TaskRecord[] }> {
    const key = ownerTasksKey(owner);
    const [total, ids] = await Promise.all([this.redis.zcard(key), this.redis.zrevrange(key, offset, offset + limit - 1)]);
    if (ids.length === 0) return { total, tasks: [] };
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(taskKey(id));
    const results = (await pipeline.exec()) ?? [];
    const tasks = results
      .map(([, hash]) => decodeTask(hash as Record<string, string>))
      .filter((task): task is TaskRecord => task !== null);
    return { total, tasks };
  }
}
