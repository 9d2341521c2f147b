import { rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { isDraining } from '../shutdown/lifecycle.js';
import { modelCoverage, type FleetEntry } from './fleet-health.js';

type Indicator = () => Promise<HealthIndicatorResult>;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Redis answers PING. A client that is not connected is DOWN at once (its commands would only queue). */
export const redisIndicator = (health: HealthIndicatorService, redis: Redis, timeoutMs = 1_000): Indicator => async () => {
  const session = health.check('redis');
  if (redis.status !== 'ready') return session.down({ state: redis.status });
  try {
    await withTimeout(redis.ping(), timeoutMs, 'Redis');
    return session.up();
  } catch (error) {
    return session.down({ message: message(error) });
  }
};

/** Every configured model has at least one model service that answers READY or BUSY with its breaker not open. */
export const modelServicesIndicator = (
  health: HealthIndicatorService,
  models: readonly string[],
  entries: () => Promise<readonly FleetEntry[]> | readonly FleetEntry[],
  freshWithinMs?: number,
): Indicator => async () => {
  const session = health.check('modelServices');
  try {
    const coverage = modelCoverage(models, await entries(), Date.now(), freshWithinMs);
    return coverage.ready ? session.up({ models: coverage.models }) : session.down({ models: coverage.models });
  } catch (error) {
    return session.down({ message: message(error) });
  }
};

/** The result directory takes a file: write and remove a small probe file. */
export const resultStoreIndicator = (health: HealthIndicatorService, directory: string): Indicator => async () => {
  const session = health.check('resultStore');
  const probe = join(directory, `.ready-probe-${process.pid}`);
  try {
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    return session.up({ directory });
  } catch (error) {
    return session.down({ directory, message: message(error) });
  }
};

/** Free space on the file system holding `path` is at least `minFreeBytes`. */
export const diskIndicator = (health: HealthIndicatorService, path: string, minFreeBytes: number): Indicator => async () => {
  const session = health.check('disk');
  try {
    const { bavail, bsize, blocks } = await statfs(path);
    const details = { path, freeBytes: bavail * bsize, totalBytes: blocks * bsize, thresholdBytes: minFreeBytes };
    return details.freeBytes >= minFreeBytes ? session.up(details) : session.down(details);
  } catch (error) {
    return session.down({ path, message: message(error) });
  }
};

/** DOWN from the moment SIGTERM arrives, so load balancers stop sending requests before the server closes. */
export const lifecycleIndicator = (health: HealthIndicatorService): Indicator => async () => {
  const session = health.check('lifecycle');
  return isDraining() ? session.down({ state: 'draining' }) : session.up({ state: 'accepting' });
};
