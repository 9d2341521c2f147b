import { statfs, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { isDraining } from '../shutdown/lifecycle.js';
import { modelCoverage, type FleetEntry } from './fleet-health.js';

type Indicator = () => Promise<HealthIndicatorResult>;

/** No check may hold a probe up: a dependency that does not answer within this is DOWN. */
export const CHECK_TIMEOUT_MS = 2_000;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Redis answers PING. A client that is not connected is DOWN at once (its commands would only queue). */
export const redisIndicator = (health: HealthIndicatorService, redis: Redis, timeoutMs = CHECK_TIMEOUT_MS): Indicator => async () => {
  const session = health.check('redis');
  if (redis.status !== 'ready') return session.down({ state: redis.status });
  try {
    await withTimeout(redis.ping(), timeoutMs, 'Redis');
    return session.up();
  } catch (error) {
    return session.down({ message: message(error) });
  }
};

/**
 * Every configured model has at least one model service that answers READY or BUSY with its breaker not
 * open. With `required` false (GPU pools that scale to zero) a missing one is reported as degraded, not DOWN.
 */
export const modelServicesIndicator = (
  health: HealthIndicatorService,
  models: readonly string[],
  entries: () => Promise<readonly FleetEntry[]> | readonly FleetEntry[],
  { freshWithinMs, required = true }: { freshWithinMs?: number; required?: boolean } = {},
): Indicator => async () => {
  const session = health.check('modelServices');
  const missing = (data: Record<string, unknown>) => (required ? session.down(data) : session.degraded(data));
  try {
    const coverage = modelCoverage(models, await withTimeout(Promise.resolve(entries()), CHECK_TIMEOUT_MS, 'the fleet table'), Date.now(), freshWithinMs);
    return coverage.ready ? session.up({ models: coverage.models }) : missing({ models: coverage.models });
  } catch (error) {
    return missing({ message: message(error) });
  }
};

/** The part of @app/storage's ResultStore the readiness probe uses. */
export interface WritableStore {
  readonly kind: string;
  store(key: string, write: (temporaryPath: string) => Promise<void>): Promise<number>;
  remove(key: string): Promise<void>;
}

/**
 * The result store takes an object: store and remove a tiny probe. A remote store (S3) is probed at most
 * every `remoteEveryMs`; the last outcome is reported in between.
 */
export function resultStoreIndicator(health: HealthIndicatorService, store: WritableStore, remoteEveryMs = 15_000): Indicator {
  const key = `.readiness-probe-${hostname()}-${process.pid}`;
  let last: { at: number; error: string | null } | undefined;
  return async () => {
    const session = health.check('resultStore');
    if (!last || store.kind === 'local' || Date.now() - last.at >= remoteEveryMs) {
      try {
        const probe = async () => {
          await store.store(key, (path) => writeFile(path, 'ok'));
          await store.remove(key);
        };
        await withTimeout(probe(), CHECK_TIMEOUT_MS, 'the result store');
        last = { at: Date.now(), error: null };
      } catch (error) {
        last = { at: Date.now(), error: message(error) };
      }
    }
    return last.error === null ? session.up({ kind: store.kind }) : session.down({ kind: store.kind, message: last.error });
  };
}

/** Free space on the file system holding `path` is at least `minFreeBytes`. */
export const diskIndicator = (health: HealthIndicatorService, path: string, minFreeBytes: number): Indicator => async () => {
  const session = health.check('disk');
  try {
    const { bavail, bsize, blocks } = await withTimeout(statfs(path), CHECK_TIMEOUT_MS, 'statfs');
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
