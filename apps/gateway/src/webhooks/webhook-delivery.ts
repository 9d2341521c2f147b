import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'bull';
import { Webhook } from 'standardwebhooks';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { WEBHOOK_JOB, type TaskStatus, type WebhookJobData } from '@app/contracts';
import { AllowList, OutboundError, safeFetch } from '@app/outbound';
import { WEBHOOK_QUEUE_TOKEN, type WebhookQueue } from '@app/storage';
import { TaskStore } from '@app/tasks';
import { ResultSubmission } from '../results/result-submission.js';
import { webhookSecret } from '../results/secrets.js';
import type { TaskView } from '../video/task-view.js';

/** What a receiver gets: the Standard Webhooks envelope around the task's status JSON. */
export interface WebhookPayload {
  type: `video.${Lowercase<TaskStatus>}`;
  timestamp: string;
  data: TaskView;
}

const CONCURRENCY = 8;
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Delivers task webhooks from the Bull queue: POSTs the task status signed with Standard Webhooks headers
 * (webhook-id, webhook-timestamp, webhook-signature), through the SSRF guard again (the name may now
 * resolve elsewhere) and without following redirects. A non-2xx answer or a network error is retried with
 * exponential backoff; each attempt shows in the task's `webhook` field.
 */
@Injectable()
export class WebhookDelivery implements OnModuleInit {
  private readonly logger = new Logger(WebhookDelivery.name);
  private readonly signer: Webhook | null;
  private readonly allowList: AllowList;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WEBHOOK_QUEUE_TOKEN) private readonly queue: WebhookQueue,
    private readonly tasks: TaskStore,
    private readonly results: ResultSubmission,
  ) {
    const secret = webhookSecret(config);
    this.signer = secret ? new Webhook(secret) : null;
    this.allowList = new AllowList([...config.OUTBOUND_ALLOW_LIST, ...config.WEBHOOK_ALLOWED_HOSTS]);
  }

  onModuleInit(): void {
    this.queue.on('error', (error) => this.logger.warn({ err: error }, 'webhook queue error'));
    this.queue.process(WEBHOOK_JOB, CONCURRENCY, (job) => this.deliver(job)).catch((error: unknown) => {
      this.logger.error({ err: error }, 'webhook worker stopped');
    });
  }

  async deliver(job: Job<WebhookJobData>): Promise<void> {
    const { taskId, status, messageId, callbackUrl } = job.data;
    const stored = await this.tasks.get(taskId);
    if (!stored || !this.signer) {
      await job.discard();
      throw new Error(stored ? 'webhooks are not configured' : `task ${taskId} is gone`);
    }
    const payload: WebhookPayload = {
      type: `video.${status.toLowerCase() as Lowercase<TaskStatus>}`,
      timestamp: new Date().toISOString(),
      data: { ...this.results.view(await this.results.resolve(stored)), status },
    };
    const body = JSON.stringify(payload);
    const sentAt = new Date();
    const attempt = job.attemptsMade + 1;
    let answer: number | null = null;
    let failure: string | null = null;
    try {
      const response = await safeFetch(callbackUrl, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'video-gateway-webhooks/1',
          'webhook-id': messageId,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': this.signer.sign(messageId, sentAt, body),
        },
        allowList: this.allowList,
        timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
        maxBytes: MAX_ANSWER_BYTES,
        maxRedirects: 0,
      });
      answer = response.status;
      if (response.status < 200 || response.status > 299) failure = `the receiver answered HTTP ${response.status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      if (error instanceof OutboundError && error.refused) await job.discard(); // retrying a refused address cannot help
    }
    await this.tasks.patch(taskId, {
      webhook: { attempts: attempt, lastStatus: answer, lastError: failure, deliveredAt: failure ? null : new Date().toISOString() },
    });
    if (failure) {
      this.logger.warn({ taskId, messageId, attempt, status: answer, error: failure }, 'webhook delivery failed');
      throw new Error(failure);
    }
    this.logger.log({ taskId, messageId, attempt, status: answer }, 'webhook delivered');
  }
}
