import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { REDIS, TaskStore } from '@app/tasks';
import { createResultStore } from './objects/create-result-store.js';
import type { ResultStore } from './objects/result-store.js';
import { Coalescer } from './results/coalescer.js';
import { ResultCache } from './results/result-cache.js';
import { ResultIndex } from './results/result-index.js';
import { ResultLifecycle } from './results/result-lifecycle.js';
import { createWebhookQueue, type WebhookQueue } from './results/webhook-queue.js';

export const RESULT_STORE = Symbol('RESULT_STORE');
export const WEBHOOK_QUEUE_TOKEN = Symbol('WEBHOOK_QUEUE');

/** A task's claim on an identical request lasts as long as its job may: every attempt's timeout, plus slack. */
const claimTtlMs = (config: AppConfig): number => config.JOB_TIMEOUT_MS * config.JOB_ATTEMPTS + 10 * 60_000;

/**
 * Result storage for gateway and dispatcher: the object store (RESULT_STORE), the Redis side of results
 * (cache, coalescing groups, retention index) and the lifecycle that ties them to task transitions.
 */
@Global()
@Module({})
export class StorageModule implements OnModuleInit, OnApplicationShutdown {
  static forRoot(config: AppConfig, processName: string): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        { provide: RESULT_STORE, useFactory: () => createResultStore(config) },
        { provide: WEBHOOK_QUEUE_TOKEN, useFactory: () => createWebhookQueue(config, processName) },
        { provide: ResultCache, inject: [REDIS], useFactory: (redis: Redis) => new ResultCache(redis, { ttlSeconds: config.RESULT_CACHE_TTL_SECONDS, recheckMs: config.RESULT_CACHE_RECHECK_MS }) },
        { provide: Coalescer, inject: [REDIS], useFactory: (redis: Redis) => new Coalescer(redis, claimTtlMs(config)) },
        { provide: ResultIndex, inject: [REDIS, RESULT_STORE], useFactory: (redis: Redis, store: ResultStore) => new ResultIndex(redis, store) },
        {
          provide: ResultLifecycle,
          inject: [APP_CONFIG, TaskStore, ResultCache, Coalescer, ResultIndex, WEBHOOK_QUEUE_TOKEN],
          useFactory: (c: AppConfig, tasks: TaskStore, cache: ResultCache, coalescer: Coalescer, index: ResultIndex, queue: WebhookQueue) =>
            new ResultLifecycle(c, tasks, cache, coalescer, index, queue),
        },
      ],
      exports: [RESULT_STORE, WEBHOOK_QUEUE_TOKEN, ResultCache, Coalescer, ResultIndex, ResultLifecycle],
    };
  }

  constructor(
    private readonly lifecycle: ResultLifecycle,
    @Inject(RESULT_STORE) private readonly store: ResultStore,
    @Inject(WEBHOOK_QUEUE_TOKEN) private readonly webhooks: WebhookQueue,
  ) {}

  onModuleInit(): void {
    this.lifecycle.register();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.webhooks.close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
  }
}
