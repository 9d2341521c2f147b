import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ownerTasksKey, taskKey, type TaskRecord } from '@app/contracts';
import { decodeTask, REDIS } from '@app/tasks';

export interface CursorPageQuery {
  limit: number;
  /** Id of the last task of the previous page. */
  after?: string;
  order: 'asc' | 'desc';
}

export interface CursorPage {
  tasks: TaskRecord[];
  hasMore: boolean;
}

/** An owner's tasks by creation time, a page at a time after a cursor (OpenAI-style lists). */
@Injectable()
export class TaskPages {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Null when `after` is not one of the owner's tasks. */
  async page(owner: string, query: CursorPageQuery): Promise<CursorPage | null> {
    const key = ownerTasksKey(owner);
    let start = 0;
    if (query.after !== undefined) {
      const rank = query.order === 'desc' ? await this.redis.zrevrank(key, query.after) : await this.redis.zrank(key, query.after);
      if (rank === null) return null;
      start = rank + 1;
    }
    const stop = start + query.limit; // one more than the page, to know whether another follows
    const ids = query.order === 'desc' ? await this.redis.zrevrange(key, start, stop) : await this.redis.zrange(key, start, stop);
    const hasMore = ids.length > query.limit;
    const pageIds = ids.slice(0, query.limit);
    if (pageIds.length === 0) return { tasks: [], hasMore: false };
    const pipeline = this.redis.pipeline();
    for (const id of pageIds) pipeline.hgetall(taskKey(id));
    const results = (await pipeline.exec()) ?? [];
    const tasks = results.map(([, hash]) => decodeTask(hash as Record<string, string>)).filter((task): task is TaskRecord => task !== null);
    return { tasks, hasMore };
  }
}
