import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { REDIS } from '@app/tasks';
import { AdmissionControl } from './admission/admission-control.js';
import { BannedTermList } from './prompt/banned-term-list.js';
import { PrincipalThrottlerGuard } from './throttle/principal-throttler.guard.js';
import { RedisThrottlerStorage } from './throttle/redis-throttler.storage.js';
import { throttlerOptions } from './throttle/throttler-options.js';

/**
 * The guard layer beyond authentication: per-principal throttling on Redis (an APP_GUARD; import this
 * module after AuthModule so it runs after JwtAuthGuard and RolesGuard), admission control and the
 * banned-term list, which VideoService uses on submit.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => throttlerOptions(config, new RedisThrottlerStorage(redis)),
    }),
  ],
  providers: [PrincipalThrottlerGuard, { provide: APP_GUARD, useExisting: PrincipalThrottlerGuard }, AdmissionControl, BannedTermList],
  exports: [AdmissionControl, BannedTermList],
})
export class GuardsModule {}
