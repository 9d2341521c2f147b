import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { AppConfig } from '@app/config';
import type { Principal } from '../../auth/principal.js';
import { IS_PUBLIC } from '../../auth/public.decorator.js';
import { RATE_LIMIT_CLASS, type RateLimitClass } from './rate-limit.decorator.js';
import { rateLimitPolicies } from './rate-limit-policy.js';
import type { RedisThrottlerStorage } from './redis-throttler.storage.js';
import { trackerOf } from './tracker.js';

const reflector = new Reflector();
/** Route metadata does not change: read it once per handler (the throttler asks several times a request). */
const budgets = new WeakMap<object, RateLimitClass | null>();

/** The budget a route spends, or undefined for a public route that did not ask for one. */
export function rateLimitClassOf(context: ExecutionContext): RateLimitClass | undefined {
  const handler = context.getHandler();
  let budget = budgets.get(handler);
  if (budget === undefined) {
    const targets = [handler, context.getClass()];
    const declared = reflector.getAllAndOverride<RateLimitClass | undefined>(RATE_LIMIT_CLASS, targets);
    budget = declared ?? (reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ? null : 'default');
    budgets.set(handler, budget);
  }
  return budget ?? undefined;
}

/**
 * One throttler whose limit and window depend on the route's budget, so each request costs one Redis call.
 * Keys: `videogw:throttle:<budget>:<tracker>`, shared by every route with that budget.
 */
export function throttlerOptions(config: AppConfig, storage: RedisThrottlerStorage): ThrottlerModuleOptions {
  const policies = rateLimitPolicies(config);
  const policyOf = (context: ExecutionContext) => policies[rateLimitClassOf(context) ?? 'default'];
  return {
    storage,
    throttlers: [
      {
        name: 'default',
        limit: (context) => policyOf(context).limit,
        ttl: (context) => policyOf(context).ttlMs,
      },
    ],
    skipIf: (context) => !config.THROTTLE_ENABLED || context.getType() !== 'http' || rateLimitClassOf(context) === undefined,
    getTracker: (request) => trackerOf(request as { user?: Principal; ip: string }),
    generateKey: (context, tracker) => `${rateLimitClassOf(context) ?? 'default'}:${tracker}`,
  };
}
