import type { QueueOptions } from 'bull';
import type { Redis } from 'ioredis';
import type { AppConfig } from '@app/config';
import { createRedis } from './redis.js';

/**
 * Bull options shared by gateway and dispatcher. The plain and subscriber connections are
 * shared by every queue in the process; each worker gets its own blocking connection.
 */
export function bullQueueOptions(config: AppConfig, processName: string): QueueOptions {
  let client: Redis | undefined;
  let subscriber: Redis | undefined;
  return {
    createClient(type) {
      if (type === 'client') return (client ??= createRedis(config.REDIS_URL, `${processName}:bull`));
      if (type === 'subscriber') return (subscriber ??= createRedis(config.REDIS_URL, `${processName}:bull-sub`, { enableAutoPipelining: false }));
      return createRedis(config.REDIS_URL, `${processName}:bull-block`, { enableAutoPipelining: false });
    },
    defaultJobOptions: {
      attempts: config.JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS },
      removeOnComplete: true,
      removeOnFail: 1000,
    },
    settings: {
      lockDuration: config.LOCK_DURATION_MS,
      lockRenewTime: Math.floor(config.LOCK_DURATION_MS / 3),
      stalledInterval: config.STALLED_INTERVAL_MS,
      maxStalledCount: 5,
    },
  };
}
