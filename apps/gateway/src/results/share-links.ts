import { createHmac, timingSafeEqual } from 'node:crypto';

export type ShareVerdict = 'ok' | 'expired' | 'invalid';

/** Expiry is rounded up to the minute so a task's link stays the same for a minute of polling. */
const ROUND_SECONDS = 60;

/**
 * Signed links to a result that play without a token: `/api/video/share/{taskId}?expires=<unix s>&sig=<base64url
 * HMAC-SHA256 of "taskId.expires">`. Pure apart from the clock it is given.
 */
export class ShareLinks {
  constructor(
    private readonly secret: Buffer | null,
    private readonly ttlSeconds: number,
    private readonly baseUrl: string,
  ) {}

  get enabled(): boolean {
    return this.secret !== null;
  }

  url(taskId: string, nowMs = Date.now()): string | null {
    if (!this.secret) return null;
    const expires = Math.ceil((nowMs / 1000 + this.ttlSeconds) / ROUND_SECONDS) * ROUND_SECONDS;
    return `${this.baseUrl}/api/video/share/${taskId}?expires=${expires}&sig=${this.sign(taskId, expires)}`;
  }

  verify(taskId: string, expires: unknown, signature: unknown, nowMs = Date.now()): ShareVerdict {
    if (!this.secret || typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires)) return 'invalid';
    const expected = Buffer.from(this.sign(taskId, Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(expires) * 1000 < nowMs ? 'expired' : 'ok';
  }

  private sign(taskId: string, expires: number): string {
    return createHmac('sha256', this.secret!).update(`${taskId}.${expires}`).digest('base64url');
  }
}
