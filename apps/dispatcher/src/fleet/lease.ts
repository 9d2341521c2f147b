import type { Redis } from 'ioredis';
import { serviceLeaseKey } from '@app/contracts';

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0`;
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Each model service is driven by one dispatcher replica at a time: the holder renews a Redis lease;
 * when it dies the lease lapses and another replica takes the service over.
 */
export class ServiceLeases {
  constructor(
    private readonly redis: Redis,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if free, renews it if ours; true while we hold it. */
  async acquireOrRenew(serviceUrl: string): Promise<boolean> {
    const result = await this.redis.eval(RENEW_SCRIPT, 1, serviceLeaseKey(serviceUrl), this.holder, this.ttlMs);
    return result === 1;
  }

  async release(serviceUrl: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, serviceLeaseKey(serviceUrl), this.holder);
  }
}
