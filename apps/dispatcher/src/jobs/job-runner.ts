import { randomInt } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bull';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { TERMINAL_STATUSES, type EffectiveParams, type GenerateJobData, type ModelServiceCreateRequest, type TaskRecord } from '@app/contracts';
import { fitToVram, getModelProfile } from '@app/policies';
import { REDIS, TaskStore } from '@app/tasks';
import type { Redis } from 'ioredis';
import type { FleetMember } from '../fleet/fleet-member.js';
import { LocalResultStore } from '../results/result-store.js';
import { Cancellations } from './cancellations.js';
import { JobCancelledError, PermanentJobError, TransientJobError } from './job-errors.js';

/** Runs one queued job on one model service, from parameter fitting to the stored MP4. */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger(JobRunner.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: TaskStore,
    private readonly results: LocalResultStore,
    private readonly cancellations: Cancellations,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async run(job: Job<GenerateJobData>, member: FleetMember): Promise<void> {
    const { taskId } = job.data;
    const abort = this.cancellations.register(taskId);
    try {
      const task = await this.tasks.get(taskId);
      if (!task || TERMINAL_STATUSES.has(task.status)) return;
      if (task.cancelRequested) throw new JobCancelledError();
      const effective = this.fit(task, member);
      await this.tasks.transition(taskId, 'PROCESSING', {
        startTime: new Date().toISOString(),
        service: member.url,
        effective: effective.params,
        adjustments: effective.adjustments,
        attempts: job.attemptsMade + 1,
        progress: 0,
        error: undefined,
      });
      this.logger.log({ taskId, service: member.url, attempt: job.attemptsMade + 1 }, 'dispatched');
      const inputs = await this.inputs(job.data);
      await member.breaker.fire(() => this.drive(task, effective.params, member, abort.signal, inputs));
      if (job.data.imageKey) await this.redis.del(job.data.imageKey);
    } catch (error) {
      // The input image stays for a retry; it goes once the task cannot run again (it also expires on its own).
      const final = error instanceof JobCancelledError || error instanceof PermanentJobError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (job.data.imageKey && final) await this.redis.del(job.data.imageKey);
      throw error;
    } finally {
      this.cancellations.release(taskId);
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

  private async drive(
    task: TaskRecord,
    params: EffectiveParams,
    member: FleetMember,
    signal: AbortSignal,
    inputs: Pick<ModelServiceCreateRequest, 'image_base64' | 'extra'>,
  ): Promise<void> {
    const { client } = member;
    const deadline = Date.now() + this.config.JOB_TIMEOUT_MS;
    let video = await client.create({
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
      throw new TransientJobError('timeout', `generation exceeded JOB_TIMEOUT_MS (${this.config.JOB_TIMEOUT_MS} ms)`);
    }
    if (video.status === 'failed') {
      const { code = 'backend_error', message = 'the model service reported a failure' } = video.error ?? {};
      throw code === 'invalid_input' ? new PermanentJobError(code, message) : new TransientJobError(code, message);
    }
    const bytes = await this.results.store(task.taskId, (path) => client.download(task.taskId, path));
    const completed = await this.tasks.transition(task.taskId, 'COMPLETED', { progress: 1, resultBytes: bytes });
    if (!completed) await this.results.remove(task.taskId);
    await client.forget(task.taskId);
  }
}
