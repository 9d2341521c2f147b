import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { addScrapeCollector, collectQueueDepth, enableDefaultMetrics, initModelSeries, setFleetGauges } from '@app/observability';
import { REDIS } from '@app/tasks';
import { FleetService } from '../fleet/fleet.service.js';

/**
 * Process metrics and, at each scrape, the queue depth (from Redis) and the per-service gauges (from this
 * replica's fleet table: up, VRAM, breaker state), for the services whose lease this replica holds.
 */
@Injectable()
export class DispatcherMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly removers: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly fleet: FleetService,
  ) {}

  onModuleInit(): void {
    enableDefaultMetrics();
    initModelSeries(this.config.MODELS);
    this.removers.push(
      addScrapeCollector(() => collectQueueDepth(this.redis, this.config.MODELS)),
      addScrapeCollector(() => setFleetGauges(this.fleet.snapshot())),
    );
  }

  onModuleDestroy(): void {
    for (const remove of this.removers) remove();
  }
}
