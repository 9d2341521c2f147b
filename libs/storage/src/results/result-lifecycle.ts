import { Logger } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import type { TaskRecord, TaskStatus } from '@app/contracts';
import type { TaskStore } from '@app/tasks';
import type { Coalescer } from './coalescer.js';
import type { ResultCache } from './result-cache.js';
import type { ResultIndex } from './result-index.js';
import { followerFields, resultKeyOf } from './task-presentation.js';
import { enqueueWebhook, type WebhookQueue } from './webhook-queue.js';

/**
 * What happens when a task ends, wherever it ends (the dispatcher's job, the gateway's cancel): its result is
 * indexed for retention and cached for identical requests, the callers coalesced onto its job end with it,
 * and each caller's webhook is queued. Registered as a TaskStore terminal listener in both processes.
 */
export class ResultLifecycle {
  private readonly logger = new Logger(ResultLifecycle.name);

  constructor(
    private readonly config: AppConfig,
    private readonly tasks: TaskStore,
    private readonly cache: ResultCache,
    private readonly coalescer: Coalescer,
    private readonly index: ResultIndex,
    private readonly webhooks: WebhookQueue,
  ) {}

  register(): void {
    this.tasks.onTerminal((taskId, status) => this.onTerminal(taskId, status));
  }

  async onTerminal(taskId: string, status: TaskStatus): Promise<void> {
    try {
      const task = await this.tasks.get(taskId);
      if (!task) return;
      if (status === 'COMPLETED') await this.recordResult(task);
      if (task.requestKey && !task.leaderId) await this.settleFollowers(task, status);
      if (task.callbackUrl && !task.detached) await this.notify(task, status);
    } catch (error) {
      this.logger.error({ err: error, taskId, status }, 'result bookkeeping failed');
    }
  }

  /** A task created COMPLETED from the cache (ResultCache.answer indexed it) never transitions: its webhook goes here. */
  async completedFromCache(task: TaskRecord): Promise<void> {
    if (task.callbackUrl) await this.notify(task, 'COMPLETED');
  }

  /** A leader's caller cancelled while others still wait for its job: only that caller hears CANCELLED. */
  async detached(task: TaskRecord): Promise<void> {
    if (task.callbackUrl) await this.notify(task, 'CANCELLED');
  }

  /** The leader's job could not be queued: whoever joined it in the meantime fails with it. */
  async abandon(leader: TaskRecord, message: string): Promise<void> {
    if (!leader.requestKey) return;
    const waiting = await this.coalescer.close(leader.requestKey, leader.taskId);
    for (const id of waiting) {
      if (id !== leader.taskId) await this.tasks.transition(id, 'FAILED', { error: { code: 'submit_failed', message } });
    }
  }

  private async recordResult(task: TaskRecord): Promise<void> {
    const key = resultKeyOf(task);
    const rendered = key === task.taskId;
    await Promise.all([
      rendered ? this.index.track(key, Date.now()) : undefined,
      this.index.addReference(key, task.taskId),
      rendered && task.cacheable && task.requestKey && !task.leaderId
        ? this.cache.put(task.requestKey, { resultKey: key, resultBytes: task.resultBytes ?? 0, effective: task.effective, adjustments: task.adjustments })
        : undefined,
    ]);
  }

  private async settleFollowers(leader: TaskRecord, status: TaskStatus): Promise<void> {
    const waiting = await this.coalescer.close(leader.requestKey!, leader.taskId);
    const fields = followerFields(leader);
    for (const id of waiting) {
      if (id !== leader.taskId) await this.tasks.transition(id, status, fields);
    }
  }

  private async notify(task: TaskRecord, status: TaskStatus): Promise<void> {
    await this.tasks.patch(task.taskId, { webhook: { attempts: 0, lastStatus: null, lastError: null, deliveredAt: null } });
    await enqueueWebhook(this.webhooks, this.config, task.taskId, task.callbackUrl!, status);
  }
}
