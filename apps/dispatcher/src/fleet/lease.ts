import type { Redis } from 'ioredis';
import { serviceLeaseKey } from '@app/contracts';

/** Renews the lease when it is ours, takes it when free; answers who holds it afterwards. */
const RENEW_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return holder
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return holder`;
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Each model service is driven by one dispatcher replica at a time: the holder renews a Redis lease
 * (on every health poll, well within its TTL); when it dies the lease lapses and another replica takes
 * the service over.
 */
export class ServiceLeases {
  constructor(
    private readonly redis: Redis,
    readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if free, renews it if ours. Returns the holder afterwards (this replica's id when ours). */
  async acquireOrRenew(serviceUrl: string): Promise<string> {
    return (await this.redis.eval(RENEW_SCRIPT, 1, serviceLeaseKey(serviceUrl), this.holder, this.ttlMs)) as string;
  }

  /** Who drives the service now, if anyone. */
  async holderOf(serviceUrl: string): Promise<string | null> {
    return this.redis.get(serviceLeaseKey(serviceUrl));
  }

  async release(serviceUrl: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, serviceLeaseKey(serviceUrl), this.holder);
  }
}
