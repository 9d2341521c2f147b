import { Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import { throttledRequests } from '@app/observability';
import { ProblemException } from '../../problem/problem.js';
import { rateLimitHeaders } from './rate-limit-policy.js';

/**
 * @nestjs/throttler's guard with our answers: RateLimit-* headers on every limited response, and a 429
 * problem+json with Retry-After when the budget is spent. Registered after JwtAuthGuard, so the tracker
 * sees the principal.
 */
@Injectable()
export class PrincipalThrottlerGuard extends ThrottlerGuard {
  protected override async handleRequest({ context, limit, ttl, throttler, blockDuration, getTracker, generateKey }: ThrottlerRequest): Promise<boolean> {
    const { req, res } = this.getRequestResponse(context);
    const tracker = await getTracker(req, context);
    const key = generateKey(context, tracker, throttler.name ?? 'default');
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, throttler.name ?? 'default');
    const headers = rateLimitHeaders({ limit, ttlMs: ttl }, record.totalHits, record.isBlocked ? record.timeToBlockExpire : record.timeToExpire);
    for (const [name, value] of Object.entries(headers)) this.setResponseHeader(res, name, value);
    if (!record.isBlocked) return true;
    throttledRequests.labels((req as { routeOptions?: { url?: string } }).routeOptions?.url ?? 'unknown').inc();
    const windowSeconds = Math.ceil(ttl / 1000);
    throw new ProblemException(
      429,
      'rate-limited',
      'Too Many Requests',
      `at most ${limit} such requests per ${windowSeconds} s; retry in ${record.timeToBlockExpire} s`,
      { limit, windowSeconds, retryAfterSeconds: record.timeToBlockExpire },
      { 'Retry-After': String(record.timeToBlockExpire) },
    );
  }
}
