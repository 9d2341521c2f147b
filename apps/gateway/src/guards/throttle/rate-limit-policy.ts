import type { AppConfig } from '@app/config';
import type { RateLimitClass } from './rate-limit.decorator.js';

export interface RateLimitPolicy {
  limit: number;
  ttlMs: number;
}

export type RateLimitPolicies = Readonly<Record<RateLimitClass, RateLimitPolicy>>;

/** Defaults: submit 10 per 10 s, status 600 per minute, anything else 600 per minute, per principal. */
export function rateLimitPolicies(config: AppConfig): RateLimitPolicies {
  return {
    submit: { limit: config.THROTTLE_SUBMIT_LIMIT, ttlMs: config.THROTTLE_SUBMIT_TTL_MS },
    status: { limit: config.THROTTLE_STATUS_LIMIT, ttlMs: config.THROTTLE_STATUS_TTL_MS },
    default: { limit: config.THROTTLE_DEFAULT_LIMIT, ttlMs: config.THROTTLE_DEFAULT_TTL_MS },
  };
}

/**
 * The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers): limit, what is left in the window and
 * seconds until it resets, plus the policy (`10;w=10`). Retry-After is added when the request is refused.
 */
export function rateLimitHeaders(policy: RateLimitPolicy, hits: number, resetSeconds: number): Record<string, string> {
  return {
    'RateLimit-Limit': String(policy.limit),
    'RateLimit-Remaining': String(Math.max(0, policy.limit - hits)),
    'RateLimit-Reset': String(resetSeconds),
    'RateLimit-Policy': `${policy.limit};w=${Math.ceil(policy.ttlMs / 1000)}`,
  };
}
