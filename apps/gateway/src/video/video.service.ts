import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import {
  CANCEL_CHANNEL,
  GENERATE_JOB,
  PRIORITY_TO_BULL,
  TERMINAL_STATUSES,
  type GenerateJobData,
  type TaskRecord,
} from '@app/contracts';
import { REDIS, TaskStore } from '@app/tasks';
import { notFoundProblem, ProblemException, validationProblem } from '../problem/problem.js';
import { isAdmin, type Principal } from '../auth/principal.js';
import { GenerationQueues } from '../queues/generation-queues.js';
import { parseGenerateRequest, type GenerateRequestContext } from './generate-request.js';
import { toTaskView, type TaskView } from './task-view.js';

@Injectable()
export class VideoService {
  private readonly requestContext: GenerateRequestContext;
  private readonly resultBaseUrl: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly tasks: TaskStore,
    private readonly queues: GenerationQueues,
  ) {
    this.requestContext = { defaultModel: config.DEFAULT_MODEL, enabledModels: new Set(config.MODELS) };
    this.resultBaseUrl = config.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? '';
  }

  async submit(principal: Principal, body: unknown): Promise<TaskView> {
    const request = parseGenerateRequest(body, this.requestContext);
    if (Array.isArray(request)) throw validationProblem(request);
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
    const job: GenerateJobData = {
      taskId: task.taskId,
      model: task.model,
      mode: task.mode,
      requested: task.requested,
      submittedAt: Date.now(),
    };
    await this.tasks.create(task);
    try {
      await this.queues
        .forModel(task.model)
        .add(GENERATE_JOB, job, { jobId: task.taskId, priority: PRIORITY_TO_BULL[task.priority] });
    } catch (error) {
      await this.tasks.remove(task);
      throw error;
    }
    return toTaskView(task, null, this.resultBaseUrl);
  }

  async status(principal: Principal, taskId: string): Promise<TaskView> {
    const task = await this.findOwned(principal, taskId);
    const position = task.status === 'PENDING' ? await this.queuePosition(task) : null;
    return toTaskView(task, position, this.resultBaseUrl);
  }

  /** A pending task leaves the queue at once; a running one is stopped by its dispatcher. */
  async cancel(principal: Principal, taskId: string): Promise<{ view: TaskView; accepted: boolean }> {
    const task = await this.findOwned(principal, taskId);
    if (TERMINAL_STATUSES.has(task.status)) {
      throw new ProblemException(409, 'task-finished', 'Conflict', `task ${taskId} is already ${task.status}`, { status: 409, taskStatus: task.status });
    }
    if (task.status === 'PENDING' && (await this.removeFromQueue(task))) {
      await this.tasks.transition(taskId, 'CANCELLED', { error: { code: 'cancelled', message: 'cancelled by the client' } });
      return { view: await this.status(principal, taskId), accepted: false };
    }
    await this.tasks.patch(taskId, { cancelRequested: true });
    await this.redis.publish(CANCEL_CHANNEL, taskId);
    return { view: await this.status(principal, taskId), accepted: true };
  }

  /** The task if the caller may see it; anyone else gets the same 404 as for a task that does not exist. */
  async findOwned(principal: Principal, taskId: string): Promise<TaskRecord> {
    const task = await this.tasks.get(taskId);
    if (!task || (task.owner !== principal.owner && !isAdmin(principal))) throw notFoundProblem(`task ${taskId}`);
    return task;
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
