import type { Redis } from 'ioredis';
import { generationQueueName } from '@app/contracts';
import { queueJobs } from './definitions.js';

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;

/**
 * Reads the Bull counts of each model's queue in one pipeline, as Bull's getJobCounts does (waiting
 * includes a paused queue's list), and sets `videogw_queue_jobs`.
 */
export async function collectQueueDepth(redis: Redis, models: readonly string[], prefix = 'bull'): Promise<void> {
  const pipeline = redis.pipeline();
  for (const model of models) {
    const key = (suffix: string) => `${prefix}:${generationQueueName(model)}:${suffix}`;
    pipeline.llen(key('wait')).llen(key('paused')).llen(key('active')).zcard(key('delayed')).zcard(key('completed')).zcard(key('failed'));
  }
  const replies = (await pipeline.exec()) ?? [];
  const counts = replies.map(([error, value]) => {
    if (error) throw error;
    return Number(value);
  });
  models.forEach((model, index) => {
    const [wait = 0, paused = 0, active = 0, delayed = 0, completed = 0, failed = 0] = counts.slice(index * 6, index * 6 + 6);
    queueJobs.labels(model, 'waiting').set(wait + paused);
    queueJobs.labels(model, 'active').set(active);
    queueJobs.labels(model, 'delayed').set(delayed);
    queueJobs.labels(model, 'completed').set(completed);
    queueJobs.labels(model, 'failed').set(failed);
  });
}
