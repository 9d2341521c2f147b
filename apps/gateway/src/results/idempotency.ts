import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { idempotencyKey } from '@app/contracts';
import { REDIS } from '@app/tasks';
import type { Principal } from '../auth/principal.js';
import { ProblemException, validationProblem } from '../problem/problem.js';
import type { TaskView } from '../video/task-view.js';
import { digest } from './submit-preferences.js';

interface Entry {
  fingerprint: string;
  /** The first response, replayed as it was; absent while the first request is still being handled. */
  response?: TaskView;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const WAIT_STEP_MS = 25;
const WAIT_LIMIT_MS = 5_000;

/**
 * Idempotency-Key on submit: the same key from the same principal with the same request within
 * IDEMPOTENCY_TTL_SECONDS gets the first response again and creates nothing; with a different request, 422.
 * A submit that fails leaves no trace, so it can be retried with the same key.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async run(principal: Principal, key: string, fingerprint: string, submit: () => Promise<TaskView>): Promise<TaskView> {
    if (!KEY_PATTERN.test(key)) {
      throw validationProblem([{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters', allowed: 'e.g. a UUID' }]);
    }
    const redisKey = idempotencyKey(principal.owner, principal.subject, digest(key));
    const ttl = this.config.IDEMPOTENCY_TTL_SECONDS;
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const claimed = await this.redis.set(redisKey, JSON.stringify({ fingerprint } satisfies Entry), 'EX', ttl, 'NX');
      if (claimed === 'OK') return this.first(redisKey, fingerprint, submit);
      const raw = await this.redis.get(redisKey);
      if (raw !== null) {
        const entry = JSON.parse(raw) as Entry;
        if (entry.fingerprint !== fingerprint) {
          throw new ProblemException(
            422,
            'idempotency-key-reused',
            'Idempotency-Key reused with a different request',
            'this Idempotency-Key was used with a different request body; use a new key for a new request',
            { errors: [{ field: 'Idempotency-Key', message: 'was already used with a different request' }] },
          );
        }
        if (entry.response) return entry.response;
      }
      if (Date.now() > deadline) {
        throw new ProblemException(409, 'idempotency-in-progress', 'Conflict', 'a request with this Idempotency-Key is still being handled; retry shortly', {}, { 'Retry-After': '1' });
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  private async first(redisKey: string, fingerprint: string, submit: () => Promise<TaskView>): Promise<TaskView> {
    let response: TaskView;
    try {
      response = await submit();
    } catch (error) {
      await this.redis.del(redisKey);
      throw error;
    }
    await this.redis.set(redisKey, JSON.stringify({ fingerprint, response } satisfies Entry), 'KEEPTTL');
    return response;
  }
}
