import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { createRedis } from './redis.js';
import { TaskStore } from './task-store.js';

export const REDIS = Symbol('REDIS');

/** One general-purpose Redis connection per process, and the task store on it. */
@Global()
@Module({
  providers: [
    { provide: REDIS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createRedis(config.REDIS_URL, 'videogw') },
    { provide: TaskStore, inject: [REDIS], useFactory: (redis: Redis) => new TaskStore(redis) },
  ],
  exports: [REDIS, TaskStore],
})
export class TasksModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
