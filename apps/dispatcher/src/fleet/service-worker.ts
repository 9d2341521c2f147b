import { Logger } from '@nestjs/common';
import Bull, { type Job, type Queue, type QueueOptions } from 'bull';
import { GENERATE_JOB, generationQueueName, TERMINAL_STATUSES, type GenerateJobData, type TaskError, type TaskRecord } from '@app/contracts';
import { closeWithGrace, recordJobFinished, recordJobStart, runInJobContext } from '@app/observability';
import type { TaskStore } from '@app/tasks';
import { HandBackError, JobCancelledError, PermanentJobError, RESULT_NOT_STORED, TransientJobError } from '../jobs/job-errors.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { decidePickup, retryDelayMs, withExcluded, type LivesOn, type Pickup } from '../jobs/routing.js';
import { FetchGate, gateBullLoop } from './fetch-gate.js';
import type { FleetMember } from './fleet-member.js';

/** What a worker needs to know about the rest of the fleet. */
export interface FleetView {
  member(url: string): FleetMember | undefined;
  /** Another service of `model`, not in `excluded`, answers and is not cut off by its breaker; with `idle`, is idle too. */
  hasAlternative(model: string, excluded: readonly string[], idle?: boolean): boolean;
  /** The member's state changed (a job started or ended): pause or resume its worker now. */
  changed(member: FleetMember): void;
}

export interface ServiceWorkerSettings {
  backoffMs: number;
  handBackMs: number;
}

/** One loop generates while the other downloads and settles the previous job. */
const LOOPS = 2;

/**
 * A Bull worker bound to one model service: it takes a job from its model's queue only while the service can
 * start one, so waiting jobs stay in Redis (with their queue position) until a GPU is free. It has two loops
 * but one generation slot (FleetMember.claimSlot): the slot frees when a generation ends on the service, and
 * the worker resumes at once, so the next job starts while the previous one is still being downloaded and
 * settled. A job it should not run (failed here before, its generation lives elsewhere, the slot is taken)
 * goes back to the queue without counting as an attempt.
 */
export class ServiceWorker {
  private readonly logger: Logger;
  private readonly queue: Queue<GenerateJobData>;
  private readonly gate = new FetchGate();
  /** Set on shutdown once the grace period is over: the running jobs are someone else's now. */
  private handedBack = false;

  constructor(
    private readonly member: FleetMember,
    readonly model: string,
    queueOptions: QueueOptions,
    private readonly runner: JobRunner,
    private readonly tasks: TaskStore,
    private readonly fleet: FleetView,
    settings: ServiceWorkerSettings,
  ) {
    this.logger = new Logger(`ServiceWorker ${member.url}`);
    this.queue = new Bull<GenerateJobData>(generationQueueName(model), {
      ...queueOptions,
      settings: {
        ...queueOptions.settings,
        // Overrides Bull's built-in 'exponential' (the jobs' backoff type) so that a hand-back waits briefly only.
        backoffStrategies: { exponential: (attemptsMade: number, error: Error) => retryDelayMs(attemptsMade, error, settings.backoffMs, settings.handBackMs) },
        retryProcessDelay: 250,
      },
    });
    this.queue.on('error', (error) => this.logger.warn({ err: error }, 'queue error'));
    gateBullLoop(this.queue, this.gate); // fetches only while the service can start a job, one at a time
    // Every log line of the job carries its taskId and requestId; calls to the model service pass X-Request-Id on.
    this.queue.process(GENERATE_JOB, LOOPS, (job) => runInJobContext(job.data, () => this.handle(job))).catch((error: unknown) => {
      this.logger.error({ err: error }, 'worker stopped');
    });
  }

  /** Opens or shuts the fetch gate (running jobs go on). */
  setAvailable(available: boolean): void {
    this.gate.set(available);
  }

  /**
   * Without a grace period, waits for the running job. With one (shutdown), takes no new job and gives the
   * running one `graceMs` to finish; after that the job is handed back (see closeWithGrace) and nothing
   * more is written about it from this process.
   */
  async close(graceMs?: number): Promise<void> {
    this.gate.close(); // a loop waiting at the gate ends instead of holding up Bull's close
    if (graceMs === undefined) {
      await this.queue.close();
      return;
    }
    await closeWithGrace(this.queue, graceMs, () => this.handBackRunning());
  }

  /**
   * Grace is over: each running job goes back to the queue as a hand-back (no attempt, a short delay), so
   * another dispatcher re-attaches to its generation at once instead of after the lock lapses. This
   * process writes nothing more about it.
   */
  private async handBackRunning(): Promise<void> {
    this.handedBack = true;
    for (const taskId of [...this.member.heldTaskIds]) {
      try {
        const job = await this.queue.getJob(taskId);
        if (!job) continue;
        job.attemptsMade -= 1; // moveToFailed counts an attempt; a hand-back is none
        await job.moveToFailed(new HandBackError('the dispatcher is shutting down'), true);
        this.logger.warn({ taskId }, 'shutting down: running job handed back for another dispatcher to re-attach');
      } catch (error) {
        this.logger.warn({ taskId, err: error }, 'shutting down: running job left to stalled-job recovery');
      }
    }
  }

  private async handle(job: Job<GenerateJobData>): Promise<void> {
    const { taskId } = job.data;
    this.member.heldTaskIds.add(taskId);
    try {
      const task = await this.tasks.get(taskId);
      const pickup: Pickup =
        task && !TERMINAL_STATUSES.has(task.status) ? decidePickup(await this.facts(job, task)) : { action: 'run', on: this.member.url, reattach: false };
      if (pickup.action === 'handBack') {
        this.logger.debug({ taskId, reason: pickup.reason }, 'handed back');
        throw new HandBackError(pickup.reason);
      }
      const target = pickup.on === this.member.url ? this.member : this.fleet.member(pickup.on);
      if (!target) throw new HandBackError(`${pickup.on} left the fleet`);
      // A fresh job needs the service's generation slot; a re-attachment starts nothing.
      if (target.claimSlot(taskId)) this.fleet.changed(target); // generating: its worker takes nothing more
      else if (!pickup.reattach) throw new HandBackError(`${target.url} already started another job`);
      this.gate.pass(taskId);
      recordJobStart({ model: this.model, queuedAt: job.timestamp, firstAttempt: job.attemptsMade === 0, serviceIdleSince: target.lastFinishedAt });
      try {
        await this.runner.run(job, target, task);
        if (this.handedBack) return new Promise<never>(() => undefined); // ended during shutdown: Bull's record is another dispatcher's now
      } catch (error) {
        // Shutting down: Redis and Bull are closing under the job; it is not failed, it is someone else's now.
        if (this.handedBack) return new Promise<never>(() => undefined);
        await this.settleFailure(job, target, error);
      } finally {
        target.releaseSlot(taskId); // normally released already, when the generation ended
        if (target !== this.member) this.fleet.changed(target);
      }
    } catch (error) {
      // Bull counts every thrown error as an attempt; a hand-back is none.
      if (error instanceof HandBackError) job.attemptsMade -= 1;
      throw error;
    } finally {
      this.gate.pass(taskId);
      this.member.heldTaskIds.delete(taskId);
      this.fleet.changed(this.member);
    }
  }

  private async facts(job: Job<GenerateJobData>, task: TaskRecord) {
    const excluded = job.data.excludedServices ?? [];
    const here = this.member.url;
    const busyWithOrphan = this.member.orphanTaskId !== null && this.member.orphanTaskId !== task.taskId && this.member.isBusyWith(this.member.orphanTaskId);
    return {
      serviceUrl: here,
      available: this.member.canTakeJobs,
      excluded,
      alternativeExists: excluded.includes(here) && this.fleet.hasAlternative(this.model, [...excluded, here]),
      busyWithOrphan,
      idleAlternativeExists: busyWithOrphan && this.fleet.hasAlternative(this.model, [...excluded, here], true),
      livesOn: await this.livesOn(task),
    };
  }

  /** Where the task's generation runs, if a dispatcher (maybe a dead one) started it already. */
  private async livesOn(task: TaskRecord): Promise<LivesOn> {
    if (task.status !== 'PROCESSING' || !task.service) return { state: 'none' };
    const url = task.service;
    const member = this.fleet.member(url);
    if (!member || member.reach === 'DOWN') return { state: 'gone', url };
    if (!member.leaseHeld) return { state: 'elsewhere', url };
    // Here, POST with the same id re-attaches or starts afresh, whichever applies.
    if (member === this.member || member.isBusyWith(task.taskId)) return { state: 'drivable', url };
    try {
      const video = await member.client.find(task.taskId);
      if (!video || video.status === 'failed' || video.status === 'cancelled') return { state: 'gone', url };
      return { state: 'drivable', url };
    } catch {
      return { state: 'elsewhere', url }; // cannot tell now: better later than a second generation
    }
  }

  /** Cancel ends the job; a refusal fails it at once; anything else is retried elsewhere with backoff while attempts remain. */
  private async settleFailure(job: Job<GenerateJobData>, member: FleetMember, error: unknown): Promise<void> {
    const { taskId } = job.data;
    if (error instanceof JobCancelledError) {
      await this.tasks.transition(taskId, 'CANCELLED', { error: { code: 'cancelled', message: error.message } });
      recordJobFinished(job.data.model, 'cancelled', 'cancelled');
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
      recordJobFinished(job.data.model, 'failed', taskError.code);
      this.logger.warn({ taskId, service: member.url, error: taskError }, 'failed');
      if (error instanceof PermanentJobError) job.discard();
    } else if (taskError.code === RESULT_NOT_STORED) {
      // Still PROCESSING there: the retry re-attaches to the finished generation and downloads it again.
      await this.tasks.patch(taskId, { error: taskError });
      this.logger.warn({ taskId, service: member.url, error: taskError, attempt: job.attemptsMade + 1 }, 'will fetch the video again');
      throw error;
    } else {
      await job.update({ ...job.data, excludedServices: withExcluded(job.data.excludedServices, member.url) });
      await this.tasks.transition(taskId, 'PENDING', { error: taskError, progress: 0 });
      this.logger.warn({ taskId, service: member.url, error: taskError, attempt: job.attemptsMade + 1 }, 'will retry on another service');
    }
    // The generation may still run there (a lost long poll, a timeout): stop it rather than leave the GPU busy.
    if (taskError.code !== 'unreachable') void member.client.cancel(taskId).catch(() => undefined);
    throw error;
  }
}
