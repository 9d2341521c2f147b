import { dispatchGap, jobGeneration, jobQueueWait, jobsFinished, videoBytes } from './definitions.js';

export type FinishedStatus = 'completed' | 'failed' | 'cancelled';

const REASON = /^[A-Za-z0-9_.-]{1,48}$/;

/** Reason codes become label values: anything that does not look like a code is counted as `other`. */
export const reasonLabel = (reason: string | undefined): string => (reason && REASON.test(reason) ? reason : 'other');

export function recordJobFinished(model: string, status: FinishedStatus, reason?: string): void {
  jobsFinished.labels(model, status, status === 'completed' ? 'ok' : reasonLabel(reason ?? status)).inc();
}

export interface JobStart {
  model: string;
  /** When the job entered the queue (Bull's job.timestamp), ms since the epoch. */
  queuedAt: number;
  /** True on the job's first dispatch: retries do not count as queue wait again. */
  firstAttempt: boolean;
  /** When the service that takes the job finished its previous one (0: never). */
  serviceIdleSince: number;
  now?: number;
}

/**
 * Queue wait on the first dispatch, and the dispatch gap: how long the service sat idle while this
 * job was already waiting for it (a job queued after the service went idle leaves no gap).
 */
export function recordJobStart({ model, queuedAt, firstAttempt, serviceIdleSince, now = Date.now() }: JobStart): void {
  if (firstAttempt) jobQueueWait.labels(model).observe(Math.max(0, now - queuedAt) / 1000);
  if (serviceIdleSince > 0 && queuedAt < serviceIdleSince) dispatchGap.observe(Math.max(0, now - serviceIdleSince) / 1000);
}

export function recordJobCompleted(model: string, startedAt: number, bytes: number, now = Date.now()): void {
  jobGeneration.labels(model).observe(Math.max(0, now - startedAt) / 1000);
  videoBytes.labels(model).inc(bytes);
  recordJobFinished(model, 'completed');
}
