import { SetMetadata } from '@nestjs/common';

/**
 * Which budget a route spends: `submit` (creating work), `status` (polling and downloads), or `default`
 * (anything else that needs a token). Public routes are not limited unless they carry this decorator.
 */
export type RateLimitClass = 'submit' | 'status' | 'default';
export const RATE_LIMIT_CLASS = 'rateLimitClass';
export const RateLimit = (budget: RateLimitClass) => SetMetadata(RATE_LIMIT_CLASS, budget);
