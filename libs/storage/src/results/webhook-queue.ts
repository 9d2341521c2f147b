import Bull, { type Queue } from 'bull';
import type { AppConfig } from '@app/config';
import { WEBHOOK_JOB, WEBHOOK_QUEUE, type TaskStatus, type WebhookJobData } from '@app/contracts';
import { bullQueueOptions } from '@app/tasks';

export type WebhookQueue = Queue<WebhookJobData>;

export function createWebhookQueue(config: AppConfig, processName: string): WebhookQueue {
  return new Bull<WebhookJobData>(WEBHOOK_QUEUE, bullQueueOptions(config, `${processName}:webhooks`));
}

/** The Standard Webhooks message id of a task's final event: the same on every retry, so receivers can de-duplicate. */
export const webhookMessageId = (taskId: string, status: TaskStatus): string => `msg_${taskId}_${status.toLowerCase()}`;

/** One delivery per task and final status, retried with exponential backoff (WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF_MS). */
export async function enqueueWebhook(queue: WebhookQueue, config: AppConfig, taskId: string, callbackUrl: string, status: TaskStatus): Promise<void> {
  const messageId = webhookMessageId(taskId, status);
  await queue.add(
    WEBHOOK_JOB,
    { taskId, status, messageId, callbackUrl, createdAt: Date.now() },
    {
      jobId: messageId,
      attempts: config.WEBHOOK_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.WEBHOOK_BACKOFF_MS },
      removeOnComplete: true,
      removeOnFail: 1000,
    },
  );
}
