import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { TERMINAL_STATUSES, type EffectiveParams, type GenerateJobData, type ModelServiceCreateRequest, type ModelServiceVideo, type TaskRecord } from '@app/contracts';
import { recordJobCompleted } from '@app/observability';
import { fitToVram, getModelProfile } from '@app/policies';
import { RESULT_STORE, type ResultStore } from '@app/storage';
import { REDIS, TaskStore } from '@app/tasks';
import type { Redis } from 'ioredis';
import type { FleetMember } from '../fleet/fleet-member.js';
import { Cancellations } from './cancellations.js';
import { JobCancelledError, PermanentJobError, RESULT_NOT_STORED, ServiceBusyError, TransientJobError } from './job-errors.js';

/** How long settling a finished job waits for the service's next job to start (the GPU first, bookkeeping second). */
const SETTLE_YIELD_MS = 20;

/** Runs one queued job on one model service, from parameter fitting to the stored MP4. */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger(JobRunner.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskStore,
    @Inject(RESULT_STORE) private readonly results: ResultStore,
    private readonly cancellations: Cancellations,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /**
   * Runs the job on `member`. A task already PROCESSING there (its dispatcher died mid-run) is re-attached:
   * POST with the same id returns the running or finished generation instead of starting a second one.
   */
  async run(job: Job<GenerateJobData>, member: FleetMember, loaded?: TaskRecord | null): Promise<void> {
    const { taskId } = job.data;
    const abort = this.cancellations.register(taskId);
    try {
      // The caller's copy saves a round trip; a cancel that came since it was read aborted the registration.
      const task = loaded === undefined ? await this.tasks.get(taskId) : loaded;
      if (!task || TERMINAL_STATUSES.has(task.status)) return;
      const reattach = task.status === 'PROCESSING' && task.service === member.url;
      if (task.cancelRequested || abort.signal.aborted) {
        if (reattach) await member.client.cancel(taskId).catch(() => undefined);
        throw new JobCancelledError();
      }
      const effective = this.fit(task, member);
      // Not awaited before the POST: Redis runs it before any later progress write of this connection.
      const processing = this.tasks.transition(taskId, 'PROCESSING', {
        ...(reattach ? {} : { startTime: new Date().toISOString(), progress: 0 }),
        service: member.url,
        effective: effective.params,
        adjustments: effective.adjustments,
        attempts: job.attemptsMade + 1,
        error: undefined,
      });
      processing.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      this.logger.log({ taskId, service: member.url, attempt: job.attemptsMade + 1, reattach }, reattach ? 're-attached' : 'dispatched');
      const inputs = await this.inputs(job.data);
      const startedAt = reattach && task.startTime ? Date.parse(task.startTime) : Date.now(); // re-attached: since the first start
      try {
        // The breaker judges the service by its generations; downloading the result is bookkeeping.
        await member.breaker.fire(() => this.generate(task, effective.params, member, abort.signal, inputs));
      } finally {
        member.releaseSlot(taskId); // the service may start the next job while this one is settled
      }
      await member.nextStart(SETTLE_YIELD_MS);
      await processing;
      await this.settle(task, member, startedAt).catch((error: unknown) => {
        // The video is made and still on the service: the retry re-attaches there and downloads it again.
        if (error instanceof JobCancelledError || error instanceof PermanentJobError) throw error;
        throw new TransientJobError(RESULT_NOT_STORED, `the finished video could not be stored: ${error instanceof Error ? error.message : String(error)}`);
      });
      if (job.data.imageKey) await this.redis.del(job.data.imageKey);
    } catch (error) {
      // The input image stays for a retry; it goes once the task cannot run again (it also expires on its own).
      const final = error instanceof JobCancelledError || error instanceof PermanentJobError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (job.data.imageKey && final) await this.redis.del(job.data.imageKey);
      throw error;
    } finally {
      this.cancellations.release(taskId);
      member.releaseSlot(taskId);
    }
  }

  private fit(task: TaskRecord, member: FleetMember): { params: EffectiveParams; adjustments: TaskRecord['adjustments'] } {
    const profile = getModelProfile(task.model);
    if (!profile) throw new PermanentJobError('unknown_model', `no profile for model ${task.model}`);
    const { prompt: _prompt, negativePrompt: _negative, seed, ...numbers } = task.requested;
    const fitted = fitToVram(profile, numbers, member.vramTotalBytes);
    if (!fitted.ok) throw new PermanentJobError('does_not_fit', fitted.reason);
    // The seed is fixed on the first attempt so a retry renders the same video.
    const chosenSeed = seed ?? task.effective?.seed ?? randomInt(0, 2 ** 32 - 1);
    return { params: { ...fitted.effective, seed: chosenSeed }, adjustments: fitted.adjustments };
  }

  /** The image-to-video input (stored by the gateway) and the backend options the job carries. */
  private async inputs(data: GenerateJobData): Promise<Pick<ModelServiceCreateRequest, 'image_base64' | 'extra'>> {
    let image: Buffer | null = null;
    if (data.imageKey) {
      image = await this.redis.getBuffer(data.imageKey);
      if (!image) throw new PermanentJobError('image_expired', 'the input image is no longer stored (IMAGE_TTL_SECONDS passed)');
    }
    return { image_base64: image ? image.toString('base64') : null, extra: data.extra ?? null };
  }

  /** Starts (or re-attaches to) the generation and follows it to its end on the service, reporting progress. */
  private async generate(
    task: TaskRecord,
    params: EffectiveParams,
    member: FleetMember,
    signal: AbortSignal,
    inputs: Pick<ModelServiceCreateRequest, 'image_base64' | 'extra'>,
  ): Promise<void> {
    const { client } = member;
    const deadline = Date.now() + this.config.JOB_TIMEOUT_MS;
    let video = await this.create(member, signal, deadline, {
      id: task.taskId,
      model: task.model,
      prompt: task.requested.prompt,
      negative_prompt: task.requested.negativePrompt ?? null,
      width: params.width,
      height: params.height,
      num_frames: params.numFrames,
      fps: params.fps,
      num_inference_steps: params.numInferenceSteps,
      guidance_scale: params.guidanceScale,
      seed: params.seed,
      memory_mode: params.memoryMode,
      ...inputs,
    });
    let cancelSent = false;
    let reportedSteps = -1;
    while (video.status === 'queued' || video.status === 'in_progress') {
      if ((signal.aborted || Date.now() > deadline) && !cancelSent) {
        await client.cancel(task.taskId);
        cancelSent = true;
      }
      if (video.steps_done !== reportedSteps && video.num_inference_steps > 0) {
        reportedSteps = video.steps_done;
        await this.tasks.patch(task.taskId, { progress: Math.min(0.99, video.steps_done / video.num_inference_steps) });
      }
      try {
        // Until the cancel is sent, an abort must wake the long poll; afterwards it must not cut it short.
        video = await client.waitForChange(task.taskId, video.revision, cancelSent ? undefined : signal);
      } catch (error) {
        if (!signal.aborted || cancelSent) throw error;
      }
    }
    if (video.status === 'cancelled') {
      if (signal.aborted) throw new JobCancelledError();
      if (cancelSent) throw new TransientJobError('timeout', `generation exceeded JOB_TIMEOUT_MS (${this.config.JOB_TIMEOUT_MS} ms)`);
      throw new TransientJobError('stopped_by_service', `${member.url} stopped the generation (shutting down?)`);
    }
    if (video.status === 'failed') {
      const { code = 'backend_error', message = 'the model service reported a failure' } = video.error ?? {};
      throw code === 'invalid_input' ? new PermanentJobError(code, message) : new TransientJobError(code, message);
    }
  }

  /** Stores the finished video, completes the task, and lets the service drop its copy. */
  private async settle(task: TaskRecord, member: FleetMember, startedAt: number): Promise<void> {
    const { client } = member;
    const bytes = await this.results.store(task.taskId, (path) => client.download(task.taskId, path));
    const completed = await this.tasks.transition(task.taskId, 'COMPLETED', { progress: 1, resultBytes: bytes });
    if (completed) {
      recordJobCompleted(task.model, startedAt, bytes);
      this.logger.log({ bytes, seconds: (Date.now() - startedAt) / 1000 }, 'completed');
    }
    // Cancelled meanwhile: drop the file (unless another driver of the same generation completed it).
    if (!completed && (await this.tasks.get(task.taskId))?.status !== 'COMPLETED') await this.results.remove(task.taskId);
    await client.forget(task.taskId);
  }

  /**
   * Starts (or re-attaches to) the generation. While the service finishes an orphan of ours (a task whose
   * dispatcher died), this waits for it instead of failing on 409: the orphan ends by itself.
   */
  private async create(member: FleetMember, signal: AbortSignal, deadline: number, request: ModelServiceCreateRequest): Promise<ModelServiceVideo> {
    let busyWith = member.health?.status === 'BUSY' ? member.health.current_job : null;
    for (;;) {
      while (busyWith && (await this.isOrphanOn(member, busyWith, request.id))) {
        if (Date.now() > deadline) throw new TransientJobError('timeout', `${member.url} stayed busy with ${busyWith}`);
        await sleep(this.config.HEALTH_POLL_INTERVAL_MS, undefined, { signal }).catch(() => {
          throw new JobCancelledError();
        });
        const health = await member.client.health(this.config.HEALTH_TIMEOUT_MS).catch(() => null);
        busyWith = health?.status === 'BUSY' ? health.current_job : null;
      }
      member.claimSlot(request.id);
      try {
        const video = await member.client.create(request);
        member.noteStarted();
        return video;
      } catch (error) {
        if (!(error instanceof ServiceBusyError) || !error.currentJob || !(await this.isOrphanOn(member, error.currentJob, request.id))) throw error;
        busyWith = error.currentJob;
      }
    }
  }

  /** `busyWith` is another task of ours whose generation runs on the service, driven by nobody here. */
  private async isOrphanOn(member: FleetMember, busyWith: string, taskId: string): Promise<boolean> {
    if (busyWith === taskId || member.isOurs(busyWith)) return false; // ours: a stale /health answer
    const other = await this.tasks.get(busyWith);
    return other?.status === 'PROCESSING' && other.service === member.url;
  }
}
