import { KEY_PREFIX } from './keys.js';
import type { Adjustment, EffectiveParams, TaskStatus } from './task.js';

/** Redis keys of the result layer: cache, coalescing, idempotency, retention index. */
export const resultCacheKey = (requestKey: string): string => `${KEY_PREFIX}cache:${requestKey}`;
/** The task whose GPU job identical requests share while it runs. */
export const inflightKey = (requestKey: string): string => `${KEY_PREFIX}inflight:${requestKey}`;
/** Tasks still waiting for a leader's job (the leader included until its caller cancels). */
export const coalesceGroupKey = (leaderId: string): string => `${KEY_PREFIX}group:${leaderId}`;
export const idempotencyKey = (owner: string, subject: string, keyDigest: string): string => `${KEY_PREFIX}idem:${owner}:${subject}:${keyDigest}`;
/** Sorted set of stored results (member: result key, score: ms when stored), read by the retention job. */
export const RESULT_INDEX_KEY = `${KEY_PREFIX}results`;
/** Tasks that show a stored result (its own task, cache hits, coalesced followers). */
export const resultRefsKey = (resultKey: string): string => `${KEY_PREFIX}result:${resultKey}:tasks`;

/** What a finished render leaves in the result cache (the task fields a hit takes over), so a hit needs no GPU. */
export interface ResultCacheEntry {
  resultKey: string;
  resultBytes: number;
  effective?: EffectiveParams;
  adjustments: Adjustment[];
}

/** Webhook deliveries: one Bull queue, processed by the gateways. */
export const WEBHOOK_QUEUE = 'webhooks';
export const WEBHOOK_JOB = 'deliver';
export interface WebhookJobData {
  taskId: string;
  /** The terminal status that triggered the delivery. */
  status: TaskStatus;
  /** The Standard Webhooks message id, the same on every retry. */
  messageId: string;
  callbackUrl: string;
  createdAt: number;
}

/** Retention: a repeatable job that deletes old results. */
export const RETENTION_QUEUE = 'results.retention';
export const RETENTION_JOB = 'sweep';
