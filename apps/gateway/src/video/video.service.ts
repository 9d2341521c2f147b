import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import {
  CANCEL_CHANNEL,
  GENERATE_JOB,
  PRIORITY_TO_BULL,
  TERMINAL_STATUSES,
  imageKey,
  type GenerateJobData,
  type GenerationMode,
  type TaskRecord,
} from '@app/contracts';
import { currentRequestId, jobsSubmitted, recordJobFinished } from '@app/observability';
import { REDIS, TaskStore } from '@app/tasks';
import { notFoundProblem, ProblemException, validationProblem } from '../problem/problem.js';
import { isAdmin, type Principal } from '../auth/principal.js';
import { GenerationQueues } from '../queues/generation-queues.js';
import { AdmissionControl } from '../guards/admission/admission-control.js';
import { BannedTermList } from '../guards/prompt/banned-term-list.js';
import { countPromptRejections } from '../guards/prompt/prompt-metrics.js';
import { parseGenerateRequest, type GenerateRequest, type GenerateRequestContext } from './generate-request.js';
import { explainModeProblems, storeTaskImage, type SubmitInput, type SubmitOptions } from './image-input.js';
import { toTaskView, type TaskView } from './task-view.js';
import { ResultSubmission } from '../results/result-submission.js';

@Injectable()
export class VideoService {
  private readonly logger = new Logger(VideoService.name);
  private readonly requestContext: GenerateRequestContext;
  private readonly resultBaseUrl: string;
  private readonly imageTtlSeconds: number;
  private readonly highPriorityRoles: readonly string[];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly tasks: TaskStore,
    private readonly queues: GenerationQueues,
    private readonly admission: AdmissionControl,
    private readonly results: ResultSubmission,
    bannedTerms: BannedTermList,
  ) {
    this.requestContext = { defaultModel: config.DEFAULT_MODEL, enabledModels: new Set(config.MODELS) };
    bannedTerms.attachTo(this.requestContext); // the list in force, swapped when PROMPT_BANNED_TERMS_FILE changes
    this.resultBaseUrl = config.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? '';
    this.imageTtlSeconds = config.IMAGE_TTL_SECONDS;
    this.highPriorityRoles = config.HIGH_PRIORITY_ROLES;
  }

  /** A native body; an image (imageUrl or upload) makes it image-to-video and is read only once the fields are valid. */
  async submit(principal: Principal, body: unknown, input: SubmitInput = {}): Promise<TaskView> {
    const request = this.parse(body, input.image ? 'i2v' : 't2v', input.image?.field);
    this.assertPriorityAllowed(principal, request);
    const image = input.image ? await input.image.resolve() : undefined;
    return this.submitParsed(principal, request, { ...input, image });
  }

  /** Reads a native body (camelCase fields) for this deployment; 422 naming every bad field. */
  parse(body: unknown, mode: GenerationMode = 't2v', imageField = 'imageUrl'): GenerateRequest {
    const request = parseGenerateRequest(body, this.requestContext, mode);
    if (Array.isArray(request)) {
      countPromptRejections(request); // videogw_prompts_rejected_total{field,reason}
      throw validationProblem(explainModeProblems(request, mode, imageField));
    }
    return request;
  }

  /** Every API (native, OpenAI, compat) makes its tasks here, after translating its body with parse(). */
  async submitParsed(principal: Principal, request: GenerateRequest, options: SubmitOptions = {}): Promise<TaskView> {
    this.assertPriorityAllowed(principal, request);
    if (options.results?.idempotencyKey !== undefined) {
      return this.results.idempotent(principal, request, options, (results) => this.submitParsed(principal, request, { ...options, results }));
    }
    const now = new Date().toISOString();
    const task: TaskRecord = {
      taskId: randomUUID(),
      owner: principal.owner,
      model: request.model,
      mode: request.mode,
      priority: request.priority,
      status: 'PENDING',
      progress: 0,
      createTime: now,
      updateTime: now,
      requested: request.requested,
      adjustments: [],
      attempts: 0,
      cancelRequested: false,
    };
    if (options.image) task.imageDigest = options.image.digest;
    const cached = await this.results.answerFromCache(task, request, options); // checks callbackUrl; a cache hit uses no GPU
    if (cached) return cached;
    const admission = await this.admission.admitNewTask(task); // the task is written, or 503/429 with nothing written
    const follower = await this.results.coalesce(task); // an identical job is in flight: this task shares it
    if (follower) {
      admission.enqueued();
      return follower;
    }
    const job: GenerateJobData = {
      taskId: task.taskId,
      model: task.model,
      mode: task.mode,
      requested: task.requested,
      submittedAt: Date.now(),
      requestId: currentRequestId(),
      ...(options.extra ? { extra: options.extra } : {}),
    };
    try {
      if (options.image) job.imageKey = await storeTaskImage(this.redis, task.taskId, options.image, this.imageTtlSeconds);
      await this.queues
        .forModel(task.model)
        .add(GENERATE_JOB, job, { jobId: task.taskId, priority: PRIORITY_TO_BULL[task.priority] });
    } catch (error) {
      await this.tasks.remove(task);
      if (job.imageKey) await this.redis.del(job.imageKey);
      await admission.abandon();
      await this.results.abandon(task, error);
      throw error;
    }
    admission.enqueued();
    jobsSubmitted.labels(task.model).inc();
    // `prompt` is redacted from every log line unless LOG_PROMPTS=true (see @app/observability logging.ts).
    this.logger.log({ taskId: task.taskId, model: task.model, mode: task.mode, owner: task.owner, prompt: task.requested.prompt }, 'task queued');
    return toTaskView(task, null, this.resultBaseUrl);
  }

  async status(principal: Principal, taskId: string): Promise<TaskView> {
    const task = await this.findOwned(principal, taskId);
    const position = task.status === 'PENDING' ? await this.queuePosition(task.leaderId ? { ...task, taskId: task.leaderId } : task) : null;
    return this.results.view(task, position);
  }

  /** A pending task leaves the queue at once; a running one is stopped by its dispatcher. */
  async cancel(principal: Principal, taskId: string): Promise<{ view: TaskView; accepted: boolean }> {
    const task = await this.findOwned(principal, taskId);
    if (TERMINAL_STATUSES.has(task.status)) {
      throw new ProblemException(409, 'task-finished', 'Conflict', `task ${taskId} is already ${task.status}`, { status: 409, taskStatus: task.status });
    }
    if (await this.results.cancelShared(task)) return { view: await this.status(principal, taskId), accepted: false }; // others still wait for its job
    if (task.status === 'PENDING' && (await this.removeFromQueue(task))) {
      await this.tasks.transition(taskId, 'CANCELLED', { error: { code: 'cancelled', message: 'cancelled by the client' } });
      recordJobFinished(task.model, 'cancelled', 'cancelled');
      await this.redis.del(imageKey(taskId));
      return { view: await this.status(principal, taskId), accepted: false };
    }
    await this.tasks.patch(taskId, { cancelRequested: true });
    await this.redis.publish(CANCEL_CHANNEL, taskId);
    return { view: await this.status(principal, taskId), accepted: true };
  }

  /** Priority high jumps the queue: only callers with one of HIGH_PRIORITY_ROLES may ask for it (403 otherwise). */
  private assertPriorityAllowed(principal: Principal, request: GenerateRequest): void {
    if (request.priority !== 'high' || this.highPriorityRoles.some((role) => principal.roles.has(role))) return;
    const allowed = 'low | normal';
    throw new ProblemException(403, 'priority-not-allowed', 'Forbidden', `priority high needs one of the roles: ${this.highPriorityRoles.join(', ') || '(none configured)'}`, {
      errors: [{ field: 'priority', message: 'high is not allowed for your roles', allowed }],
    });
  }

  /** The task if the caller may see it; anyone else gets the same 404 as for a task that does not exist. */
  async findOwned(principal: Principal, taskId: string): Promise<TaskRecord> {
    const task = await this.tasks.get(taskId);
    if (!task || (task.owner !== principal.owner && !isAdmin(principal))) throw notFoundProblem(`task ${taskId}`);
    return this.results.resolve(task); // a coalesced task shows its shared job
  }

  private async removeFromQueue(task: TaskRecord): Promise<boolean> {
    const job = await this.queues.forModel(task.model).getJob(task.taskId);
    if (!job) return true;
    try {
      await job.remove();
      return true;
    } catch {
      return false; // locked: a dispatcher has just taken it
    }
  }

  /** 1-based place in line; Bull pushes new jobs on the left and workers take from the right. */
  private async queuePosition(task: TaskRecord): Promise<number | null> {
    const queue = this.queues.forModel(task.model);
    const waitKey = queue.toKey('wait');
    const [length, index] = await Promise.all([this.redis.llen(waitKey), this.redis.lpos(waitKey, task.taskId)]);
    return index === null ? null : length - index;
  }
}
