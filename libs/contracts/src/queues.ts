import type { GenerationMode, RequestedParams } from './task.js';

/** One Bull queue per model, so a service only ever pulls work it can run. */
export const GENERATION_QUEUE_PREFIX = 'video.';
export const generationQueueName = (model: string): string => `${GENERATION_QUEUE_PREFIX}${model}`;
export const GENERATE_JOB = 'generate';

export interface GenerateJobData {
  taskId: string;
  model: string;
  mode: GenerationMode;
  requested: RequestedParams;
  /** Redis key of the input image bytes for image-to-video. */
  imageKey?: string;
  /** Backend-specific options passed through to the model service (e.g. Open-Sora motion_score, Wan sample_shift). */
  extra?: Record<string, unknown>;
  submittedAt: number;
  /** X-Request-Id of the submitting request: logged with the taskId on every line of the job, sent on to the model service. */
  requestId?: string;
  /** Model services this job failed on (transient errors): a retry goes to another one when there is one. */
  excludedServices?: string[];
}

export const PRIORITY_TO_BULL = { high: 1, normal: 5, low: 10 } as const;

/** Redis pub/sub channel on which the gateway asks the dispatchers to stop a running task. */
export const CANCEL_CHANNEL = 'videogw:cancel';
