import { Inject, Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { FLEET_SNAPSHOT_KEY } from '@app/contracts';
import {
  diskIndicator,
  lifecycleIndicator,
  modelServicesIndicator,
  parseFleetHash,
  readBuildInfo,
  ReadinessReporter,
  redisIndicator,
  resultStoreIndicator,
  type BuildInfo,
  type FleetEntry,
  type HealthOutcome,
  watchRedisConnection,
} from '@app/observability';
import { RESULT_STORE, type ResultStore } from '@app/storage';
import { REDIS } from '@app/tasks';

/**
 * The gateway is ready while it is not shutting down, Redis answers, every configured model has a
 * healthy model service in the fleet table the dispatchers publish, the result directory takes a
 * file and its disk has room.
 */
@Injectable()
export class GatewayHealth {
  readonly info: BuildInfo;
  private readonly reporter: ReadinessReporter;
  private readonly readiness$: () => Promise<HealthOutcome>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(RESULT_STORE) results: ResultStore,
    indicators: HealthIndicatorService,
    health: HealthCheckService,
  ) {
    watchRedisConnection(redis, 'gateway');
    this.reporter = new ReadinessReporter(health);
    this.info = readBuildInfo('gateway', config.GIT_COMMIT);
    const checks = [
      lifecycleIndicator(indicators),
      redisIndicator(indicators, redis),
      modelServicesIndicator(indicators, config.MODELS, () => this.fleet(), {
        freshWithinMs: config.LEASE_TTL_MS * 3,
        required: config.READINESS_REQUIRES_MODEL_SERVICES,
      }),
      resultStoreIndicator(indicators, results),
      diskIndicator(indicators, config.DATA_DIR, config.DISK_FREE_MIN_BYTES),
    ];
    this.readiness$ = () => this.reporter.check(checks);
  }

  readiness(): Promise<HealthOutcome> {
    return this.readiness$();
  }

  /** The fleet table as the dispatchers last published it. */
  async fleet(): Promise<FleetEntry[]> {
    return parseFleetHash(await this.redis.hgetall(FLEET_SNAPSHOT_KEY));
  }
}
