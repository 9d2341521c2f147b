import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import Bull, { type Queue } from 'bull';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { RETENTION_JOB, RETENTION_QUEUE } from '@app/contracts';
import { ResultIndex } from '@app/storage';
import { bullQueueOptions } from '@app/tasks';

/**
 * Retention: a Bull repeatable job (every RESULT_RETENTION_SWEEP_MS, run by one dispatcher at a time) deletes
 * results stored more than RESULT_RETENTION_SECONDS ago from storage and Redis; the tasks that showed them say
 * EXPIRED and their result URLs answer 410. RESULT_RETENTION_SECONDS=0 keeps results for ever.
 */
@Injectable()
export class RetentionScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RetentionScheduler.name);
  private queue?: Queue;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly index: ResultIndex,
  ) {}

  async onModuleInit(): Promise<void> {
    this.queue = new Bull(RETENTION_QUEUE, bullQueueOptions(this.config, 'dispatcher:retention'));
    this.queue.on('error', (error) => this.logger.warn({ err: error }, 'retention queue error'));
    const every = this.config.RESULT_RETENTION_SWEEP_MS;
    // A changed interval (or retention switched off) must not leave the old schedule running.
    for (const repeatable of await this.queue.getRepeatableJobs()) {
      if (this.config.RESULT_RETENTION_SECONDS === 0 || Number(repeatable.every) !== every) await this.queue.removeRepeatableByKey(repeatable.key);
    }
    if (this.config.RESULT_RETENTION_SECONDS === 0) return;
    this.queue.process(RETENTION_JOB, 1, () => this.sweep()).catch((error: unknown) => this.logger.error({ err: error }, 'retention worker stopped'));
    await this.queue.add(RETENTION_JOB, {}, { repeat: { every }, jobId: RETENTION_JOB, attempts: 1, removeOnComplete: true, removeOnFail: true });
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
  }

  async sweep(): Promise<number> {
    const cutoff = Date.now() - this.config.RESULT_RETENTION_SECONDS * 1000;
    const removed = await this.index.sweep(cutoff);
    if (removed > 0) this.logger.log({ removed, cutoff: new Date(cutoff).toISOString() }, 'expired results deleted');
    return removed;
  }
}
