import { Logger } from '@nestjs/common';
import Bull, { type Job, type Queue, type QueueOptions } from 'bull';
import { GENERATE_JOB, generationQueueName, type GenerateJobData, type TaskError } from '@app/contracts';
import type { TaskStore } from '@app/tasks';
import { JobCancelledError, PermanentJobError, TransientJobError } from '../jobs/job-errors.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { FleetMember } from './fleet-member.js';

/**
 * A Bull worker of concurrency 1 bound to one model service: it takes a job from its model's queue only
 * while the service can run one, so waiting jobs stay in Redis (with their queue position) until a GPU is free.
 */
export class ServiceWorker {
  private readonly logger: Logger;
  private readonly queue: Queue<GenerateJobData>;
  private paused = false;

  constructor(
    private readonly member: FleetMember,
    readonly model: string,
    queueOptions: QueueOptions,
    private readonly runner: JobRunner,
    private readonly tasks: TaskStore,
  ) {
    this.logger = new Logger(`ServiceWorker ${member.url}`);
    this.queue = new Bull<GenerateJobData>(generationQueueName(model), queueOptions);
    this.queue.on('error', (error) => this.logger.warn({ err: error }, 'queue error'));
    this.queue.process(GENERATE_JOB, 1, (job) => this.handle(job)).catch((error: unknown) => {
      this.logger.error({ err: error }, 'worker stopped');
    });
  }

  async setAvailable(available: boolean): Promise<void> {
    if (available === !this.paused) return;
    this.paused = !available;
    if (available) await this.queue.resume(true);
    else await this.queue.pause(true, true);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  private async handle(job: Job<GenerateJobData>): Promise<void> {
    const { taskId } = job.data;
    this.member.currentTaskId = taskId;
    try {
      await this.runner.run(job, this.member);
    } catch (error) {
      await this.settleFailure(job, error);
    } finally {
      this.member.currentTaskId = null;
      this.member.lastFinishedAt = Date.now();
      this.member.jobsRun += 1;
    }
  }

  /** Cancel ends the job; a refusal fails it at once; anything else is retried with backoff while attempts remain. */
  private async settleFailure(job: Job<GenerateJobData>, error: unknown): Promise<void> {
    const { taskId } = job.data;
    if (error instanceof JobCancelledError) {
      await this.tasks.transition(taskId, 'CANCELLED', { error: { code: 'cancelled', message: error.message } });
      this.logger.log({ taskId }, 'cancelled');
      return;
    }
    const taskError: TaskError =
      error instanceof PermanentJobError || error instanceof TransientJobError
        ? { code: error.code, message: error.message }
        : { code: 'dispatch_error', message: error instanceof Error ? error.message : String(error) };
    const attempts = job.opts.attempts ?? 1;
    if (error instanceof PermanentJobError || job.attemptsMade + 1 >= attempts) {
      await this.tasks.transition(taskId, 'FAILED', { error: taskError });
      this.logger.warn({ taskId, error: taskError }, 'failed');
      if (error instanceof PermanentJobError) await job.discard();
    } else {
      await this.tasks.transition(taskId, 'PENDING', { error: taskError, progress: 0 });
      this.logger.warn({ taskId, error: taskError, attempt: job.attemptsMade + 1 }, 'will retry');
    }
    throw error;
  }
}
