import { Redis, type RedisOptions } from 'ioredis';

/**
 * Bull needs maxRetriesPerRequest=null and enableReadyCheck=false on its blocking
 * connections; auto-pipelining batches the hot path's commands across requests.
 */
export function createRedis(url: string, name: string, overrides: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    enableAutoPipelining: true,
    maxRetriesPerRequest: null,
    enableReadyCheck: false,
    ...overrides,
  });
}
