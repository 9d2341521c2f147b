import { Inject, Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import {
  diskIndicator,
  lifecycleIndicator,
  modelServicesIndicator,
  readBuildInfo,
  ReadinessReporter,
  redisIndicator,
  resultStoreIndicator,
  type BuildInfo,
  type HealthOutcome,
  watchRedisConnection,
} from '@app/observability';
import { RESULT_STORE, type ResultStore } from '@app/storage';
import { REDIS } from '@app/tasks';
import { FleetService } from '../fleet/fleet.service.js';

/**
 * The dispatcher is ready while it is not shutting down, Redis answers, its own fleet table has a
 * healthy model service for every configured model, the result store takes a file and the disk has room.
 */
@Injectable()
export class DispatcherHealth {
  readonly info: BuildInfo;
  private readonly check: () => Promise<HealthOutcome>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS) redis: Redis,
    @Inject(RESULT_STORE) results: ResultStore,
    fleet: FleetService,
    indicators: HealthIndicatorService,
    health: HealthCheckService,
  ) {
    this.info = readBuildInfo('dispatcher', config.GIT_COMMIT);
    watchRedisConnection(redis, 'dispatcher');
    const reporter = new ReadinessReporter(health);
    const checks = [
      lifecycleIndicator(indicators),
      redisIndicator(indicators, redis),
      modelServicesIndicator(indicators, config.MODELS, () => fleet.snapshot(), { required: config.READINESS_REQUIRES_MODEL_SERVICES }),
      resultStoreIndicator(indicators, results),
      diskIndicator(indicators, config.DATA_DIR, config.DISK_FREE_MIN_BYTES),
    ];
    this.check = () => reporter.check(checks);
  }

  readiness(): Promise<HealthOutcome> {
    return this.check();
  }
}
