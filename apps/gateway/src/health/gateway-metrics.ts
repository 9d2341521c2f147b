import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { addScrapeCollector, collectQueueDepth, enableDefaultMetrics, initModelSeries } from '@app/observability';
import { REDIS } from '@app/tasks';

/** Process metrics, zeroed per-model series, and the queue depth read from Redis at each scrape. */
@Injectable()
export class GatewayMetrics implements OnModuleInit, OnModuleDestroy {
  private removeCollector?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    enableDefaultMetrics();
    initModelSeries(this.config.MODELS);
    this.removeCollector = addScrapeCollector(() => collectQueueDepth(this.redis, this.config.MODELS));
  }

  onModuleDestroy(): void {
    this.removeCollector?.();
  }
}
