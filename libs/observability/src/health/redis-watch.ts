import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

const watched = new WeakSet<Redis>();

/**
 * One log line when a Redis connection is lost and one when it is back, instead of ioredis printing
 * an unhandled-error stack trace (not JSON) on every reconnect attempt. Readiness reports the outage.
 */
export function watchRedisConnection(redis: Redis, name: string): void {
  if (watched.has(redis)) return;
  watched.add(redis);
  const logger = new Logger('Redis');
  let lost = false;
  redis.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    logger.warn({ connection: name, reason: error.message }, 'Redis connection lost; reconnecting');
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.log({ connection: name }, 'Redis connection restored');
  });
}
