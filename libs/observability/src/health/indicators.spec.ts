import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { setDraining } from '../shutdown/lifecycle.js';
import { diskIndicator, lifecycleIndicator, modelServicesIndicator, redisIndicator, resultStoreIndicator, type WritableStore } from './indicators.js';

const health = new HealthIndicatorService();
const READY = { url: 'http://gpu-0:9100', state: 'READY', model: 'm', breaker: 'CLOSED' };

describe('readiness indicators', () => {
  it('redis: DOWN at once while the client is not connected, UP when PING answers, DOWN when it does not in time', async () => {
    let pinged = 0;
    const reconnecting = { status: 'reconnecting', ping: async () => (pinged += 1) } as unknown as Redis;
    expect(await redisIndicator(health, reconnecting)()).toEqual({ redis: { status: 'down', state: 'reconnecting' } });
    expect(pinged).toBe(0);
    const ready = { status: 'ready', ping: async () => 'PONG' } as unknown as Redis;
    expect(await redisIndicator(health, ready)()).toEqual({ redis: { status: 'up' } });
    const stuck = { status: 'ready', ping: () => new Promise(() => undefined) } as unknown as Redis;
    expect(await redisIndicator(health, stuck, 20)()).toEqual({ redis: { status: 'down', message: 'Redis did not answer within 20 ms' } });
  });

  it('modelServices: DOWN without a healthy service per model, or degraded when not required', async () => {
    expect(await modelServicesIndicator(health, ['m'], () => [READY])()).toEqual({
      modelServices: { status: 'up', models: { m: { healthy: 1, total: 1 } } },
    });
    const none = modelServicesIndicator(health, ['m'], async () => [{ ...READY, state: 'DOWN' }]);
    expect(await none()).toEqual({ modelServices: { status: 'down', models: { m: { healthy: 0, total: 1 } } } });
    const optional = modelServicesIndicator(health, ['m'], () => [], { required: false });
    expect((await optional()).modelServices?.status).toBe('degraded');
    const failing = modelServicesIndicator(health, ['m'], async () => {
      throw new Error('Connection is closed.');
    });
    expect(await failing()).toEqual({ modelServices: { status: 'down', message: 'Connection is closed.' } });
  });

  it('resultStore: stores and removes a probe; a remote store is probed at most every interval', async () => {
    const calls: string[] = [];
    const store: WritableStore = {
      kind: 's3',
      store: async (key, write) => {
        calls.push(`store ${key}`);
        await write(join(dir, 'probe'));
        return 2;
      },
      remove: async (key) => {
        calls.push(`remove ${key}`);
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'probe-'));
    try {
      const check = resultStoreIndicator(health, store, 60_000);
      expect(await check()).toEqual({ resultStore: { status: 'up', kind: 's3' } });
      expect(await check()).toEqual({ resultStore: { status: 'up', kind: 's3' } });
      expect(calls).toHaveLength(2); // the second answer came from the first probe
      expect(calls[0]).toMatch(/^store \.readiness-probe-/);
      const broken = resultStoreIndicator(health, { kind: 'local', store: () => Promise.reject(new Error('EROFS: read-only file system')), remove: async () => undefined });
      expect(await broken()).toEqual({ resultStore: { status: 'down', kind: 'local', message: 'EROFS: read-only file system' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('disk: UP while free space is at least the threshold', async () => {
    const up = await diskIndicator(health, tmpdir(), 1)();
    expect(up.disk).toMatchObject({ status: 'up', thresholdBytes: 1 });
    expect(up.disk?.freeBytes).toBeGreaterThan(0);
    expect((await diskIndicator(health, tmpdir(), Number.MAX_SAFE_INTEGER)()).disk?.status).toBe('down');
    expect((await diskIndicator(health, '/no/such/path', 1)()).disk?.status).toBe('down');
  });

  it('lifecycle: DOWN from SIGTERM on', async () => {
    expect(await lifecycleIndicator(health)()).toEqual({ lifecycle: { status: 'up', state: 'accepting' } });
    setDraining(true);
    try {
      expect(await lifecycleIndicator(health)()).toEqual({ lifecycle: { status: 'down', state: 'draining' } });
    } finally {
      setDraining(false);
    }
  });
});
