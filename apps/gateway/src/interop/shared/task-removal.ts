import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { imageKey, resultRefsKey, type TaskRecord } from '@app/contracts';
import { ResultIndex, resultKeyOf } from '@app/storage';
import { REDIS, TaskStore } from '@app/tasks';

/**
 * Deletes a finished task for good (OpenAI's DELETE /v1/videos/{id}): its record and input image, and its
 * video unless other tasks still show the same stored result (cache hits, coalesced callers).
 */
@Injectable()
export class TaskRemoval {
  constructor(
    private readonly tasks: TaskStore,
    private readonly index: ResultIndex,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async remove(task: TaskRecord): Promise<void> {
    if (task.status === 'COMPLETED') {
      const key = resultKeyOf(task);
      const [, remaining] = (await this.redis.multi().srem(resultRefsKey(key), task.taskId).scard(resultRefsKey(key)).exec()) ?? [];
      // Last one showing it: the stored video, its index entry and its cache entry go (before the record the cache entry is found by).
      if (remaining?.[1] === 0) await this.index.expire(key);
    }
    await this.tasks.remove(task);
    await this.redis.del(imageKey(task.taskId));
  }
}
