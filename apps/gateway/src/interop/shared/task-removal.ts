import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { imageKey, type TaskRecord } from '@app/contracts';
import { REDIS, TaskStore } from '@app/tasks';

/** Deletes a finished task for good (OpenAI's DELETE /v1/videos/{id}): its record, its input image and its video. */
@Injectable()
export class TaskRemoval {
  private readonly resultsDir: string;

  constructor(
    private readonly tasks: TaskStore,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.resultsDir = join(config.DATA_DIR, 'results');
  }

  async remove(task: TaskRecord): Promise<void> {
    await this.tasks.remove(task);
    await this.redis.del(imageKey(task.taskId));
    await rm(join(this.resultsDir, `${task.taskId}.mp4`), { force: true });
  }
}
