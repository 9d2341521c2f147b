import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { CANCEL_CHANNEL, imageKey, TERMINAL_STATUSES, type ResultCacheEntry, type TaskRecord } from '@app/contracts';
import { AllowList, assertPublicUrl, OutboundError } from '@app/outbound';
import { cacheRequests, coalescedRequests } from '@app/observability';
import { Coalescer, presentTask, RESULT_STORE, ResultCache, ResultIndex, ResultLifecycle, type ResultStore } from '@app/storage';
import { REDIS, TaskStore } from '@app/tasks';
import type { Principal } from '../auth/principal.js';
import { validationProblem } from '../problem/problem.js';
import { GenerationQueues } from '../queues/generation-queues.js';
import type { GenerateRequest } from '../video/generate-request.js';
import { toTaskView, type TaskView } from '../video/task-view.js';
import { IdempotencyKeys } from './idempotency.js';
import { webhookSecret } from './secrets.js';
import { ShareLinks } from './share-links.js';
import { digest, isCacheable, requestKeyFor, stableJson, type SubmitPreferences } from './submit-preferences.js';

/** What submitParsed passes in besides the parsed request (a subset of its SubmitOptions). */
export interface ResultSubmitContext {
  image?: { digest: string };
  extra?: Record<string, unknown>;
  results?: SubmitPreferences;
}

const CANCELLED_BY_CLIENT = { code: 'cancelled', message: 'cancelled by the client' };
const cacheHits = cacheRequests.labels('hit');
const cacheMisses = cacheRequests.labels('miss');

/**
 * The result layer on the submit, status and cancel paths: idempotent replays, the callback URL check,
 * answers from the result cache, coalescing onto an identical job in flight, and what a caller of a shared
 * job sees and may cancel.
 */
@Injectable()
export class ResultSubmission {
  readonly links: ShareLinks;
  private readonly resultBaseUrl: string;
  private readonly callbackAllowList: AllowList;
  private readonly webhooksEnabled: boolean;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly tasks: TaskStore,
    private readonly cache: ResultCache,
    private readonly coalescer: Coalescer,
    private readonly index: ResultIndex,
    private readonly lifecycle: ResultLifecycle,
    @Inject(RESULT_STORE) private readonly store: ResultStore,
    private readonly queues: GenerationQueues,
    private readonly idempotency: IdempotencyKeys,
    links: ShareLinks,
  ) {
    this.links = links;
    this.resultBaseUrl = config.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? '';
    this.callbackAllowList = new AllowList([...config.OUTBOUND_ALLOW_LIST, ...config.WEBHOOK_ALLOWED_HOSTS]);
    this.webhooksEnabled = webhookSecret(config) !== null;
  }

  /** The native view, with the share link of a completed task. */
  view(task: TaskRecord, queuePosition: number | null = null): TaskView {
    return toTaskView(task, queuePosition, this.resultBaseUrl, (taskId) => this.links.url(taskId));
  }

  /** Runs `submit` once per Idempotency-Key; without a key it just runs it. */
  async idempotent(
    principal: Principal,
    request: GenerateRequest,
    context: ResultSubmitContext,
    submit: (results: SubmitPreferences) => Promise<TaskView>,
  ): Promise<TaskView> {
    const { idempotencyKey: key, ...rest } = context.results ?? {};
    if (key === undefined) return submit(rest);
    const fingerprint = digest(stableJson({ request, imageDigest: context.image?.digest, extra: context.extra }));
    return this.idempotency.run(principal, key, fingerprint, () => submit(rest));
  }

  /**
   * Before admission: checks the callback URL and marks the new task for the cache and coalescing (it
   * mutates `task`). A cached result answers at once with a COMPLETED task that uses no GPU; null otherwise.
   */
  async answerFromCache(task: TaskRecord, request: GenerateRequest, context: ResultSubmitContext): Promise<TaskView | null> {
    if (request.callbackUrl !== undefined) task.callbackUrl = await this.checkCallbackUrl(request.callbackUrl);
    const optedOut = request.cache === false || context.results?.noCache === true;
    const cacheable = !optedOut && isCacheable(task, this.config);
    if (optedOut || (!cacheable && !this.config.COALESCE_ENABLED)) return null;
    task.requestKey = requestKeyFor(task, context.extra, this.config.RESULT_CACHE_SCOPE);
    if (!cacheable) return null;
    task.cacheable = true;
    const hit = await this.cache.answer(task.requestKey, (found) => this.resultStillStored(found.resultKey), (entry) => cacheHitOf(task, entry));
    if (!hit) {
      cacheMisses.inc();
      return null;
    }
    if (hit.callbackUrl) await this.lifecycle.completedFromCache(hit);
    cacheHits.inc();
    return this.view(hit);
  }

  /** The file went behind our back: a miss. The render's tasks expire, and this request is made afresh. */
  private async resultStillStored(resultKey: string): Promise<boolean> {
    if (await this.store.exists(resultKey)) return true;
    await this.index.expire(resultKey);
    return false;
  }

  /** After the task is written: joins an identical job in flight. The follower's view, or null when this task leads. */
  async coalesce(task: TaskRecord): Promise<TaskView | null> {
    if (!task.requestKey || !this.config.COALESCE_ENABLED) return null;
    const leaderId = await this.coalescer.join(task.requestKey, task.taskId);
    if (leaderId === null) return null;
    coalescedRequests.labels(task.model).inc();
    const follower: TaskRecord = { ...task, leaderId };
    return this.view(presentTask(follower, await this.tasks.get(leaderId)));
  }

  /** The leader's job could not be queued: callers that joined it meanwhile fail too. */
  async abandon(task: TaskRecord, error: unknown): Promise<void> {
    await this.lifecycle.abandon(task, error instanceof Error ? error.message : String(error));
  }

  /** The task as its caller sees it (a coalesced follower mirrors its leader). */
  async resolve(task: TaskRecord): Promise<TaskRecord> {
    if (!task.leaderId || TERMINAL_STATUSES.has(task.status)) return presentTask(task, null);
    return presentTask(task, await this.tasks.get(task.leaderId));
  }

  /**
   * Cancel of a task that shares its job with other callers: the caller gets CANCELLED at once and the job
   * goes on while anyone else still waits for it; the last one to leave stops it. False: not shared, the
   * ordinary cancel applies.
   */
  async cancelShared(task: TaskRecord): Promise<boolean> {
    if (task.leaderId) {
      const left = await this.coalescer.leave(task.leaderId, task.taskId);
      await this.tasks.transition(task.taskId, 'CANCELLED', { error: CANCELLED_BY_CLIENT });
      if (left === 0) await this.stopJob(task.leaderId);
      return true;
    }
    if (!task.requestKey || !this.config.COALESCE_ENABLED) return false;
    const left = await this.coalescer.leave(task.taskId, task.taskId);
    if (left <= 0) return false;
    await this.tasks.patch(task.taskId, { detached: true });
    await this.lifecycle.detached(task);
    return true;
  }

  private async stopJob(leaderId: string): Promise<void> {
    const leader = await this.tasks.get(leaderId);
    if (!leader || TERMINAL_STATUSES.has(leader.status)) return;
    if (leader.status === 'PENDING') {
      const job = await this.queues.forModel(leader.model).getJob(leaderId);
      const removed = job ? await job.remove().then(() => true, () => false) : true;
      if (removed) {
        await this.tasks.transition(leaderId, 'CANCELLED', { error: CANCELLED_BY_CLIENT });
        await this.redis.del(imageKey(leaderId));
        return;
      }
    }
    await this.tasks.patch(leaderId, { cancelRequested: true });
    await this.redis.publish(CANCEL_CHANNEL, leaderId);
  }

  private async checkCallbackUrl(url: string): Promise<string> {
    if (!this.webhooksEnabled) {
      throw validationProblem([{ field: 'callbackUrl', message: 'webhooks are not configured on this gateway (WEBHOOK_SECRET or JWT_SECRET)' }]);
    }
    try {
      return (await assertPublicUrl(url, { allowList: this.callbackAllowList })).url.href;
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      throw validationProblem([{ field: 'callbackUrl', message: error.message, allowed: 'a public http(s) URL' }]);
    }
  }
}

/**
 * What a cache hit stores: a COMPLETED copy of the new task with the entry's result. Without requestKey and
 * cacheable, as it leads no coalescing group and renders nothing. Built field by field (one object shape, no
 * spread): it is on the hot path. A field added to the tasks that submitParsed creates belongs here too.
 */
export function cacheHitOf(task: TaskRecord, entry: ResultCacheEntry): TaskRecord {
  return {
    taskId: task.taskId,
    owner: task.owner,
    model: task.model,
    mode: task.mode,
    priority: task.priority,
    status: 'COMPLETED',
    progress: 1,
    createTime: task.createTime,
    updateTime: task.createTime,
    startTime: task.createTime,
    finishTime: task.createTime,
    requested: task.requested,
    effective: entry.effective,
    adjustments: entry.adjustments,
    attempts: 0,
    cancelRequested: false,
    cached: true,
    resultKey: entry.resultKey,
    resultBytes: entry.resultBytes,
    imageDigest: task.imageDigest,
    callbackUrl: task.callbackUrl,
  };
}
