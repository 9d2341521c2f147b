import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { KEY_PREFIX, taskKey, TERMINAL_STATUSES } from '@app/contracts';
import { REDIS } from '@app/tasks';
import { ProblemException } from '../../problem/problem.js';
import { GenerationQueues } from '../../queues/generation-queues.js';
import { ADMISSION_SCRIPT } from './admission-script.js';

export const RESERVATIONS_KEY = `${KEY_PREFIX}admission:reserved`;
export const unfinishedTasksKey = (owner: string): string => `${KEY_PREFIX}owner:${owner}:unfinished`;
/** A reservation older than this belongs to a submit that died half-way; it stops counting. */
const RESERVATION_LIFETIME_MS = 30_000;
const TERMINAL_LIST = `|${[...TERMINAL_STATUSES].join('|')}|`;

/** What the submit path does with its admission: release it once the job is in Bull, or give it back. */
export interface Admission {
  /** The job is in Bull: it now counts through the wait list. */
  enqueued(): void;
  /** Creating the task failed: free both the reservation and the owner's slot. */
  abandon(): Promise<void>;
}

const NO_OP: Admission = { enqueued: () => undefined, abandon: async () => undefined };

type AdmitCommand = (...args: Array<string | number>) => Promise<[number, number]>;

/**
 * Admission control before a task is created: a global cap on waiting jobs (MAX_WAITING_JOBS → 503) and a
 * per-owner cap on unfinished tasks (MAX_UNFINISHED_PER_PRINCIPAL → 429), both with Retry-After, decided
 * in one Lua script so replicas and concurrent requests cannot overshoot. A refused submit writes nothing.
 */
@Injectable()
export class AdmissionControl implements OnModuleInit {
  private readonly logger = new Logger(AdmissionControl.name);
  private readonly admitCommand: AdmitCommand;
  private queueKeys: string[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly queues: GenerationQueues,
  ) {
    if (!('videogwAdmit' in redis)) redis.defineCommand('videogwAdmit', { lua: ADMISSION_SCRIPT });
    this.admitCommand = (redis as unknown as { videogwAdmit: AdmitCommand }).videogwAdmit.bind(redis);
  }

  onModuleInit(): void {
    this.queueKeys = this.config.MODELS.flatMap((model) => {
      const queue = this.queues.forModel(model);
      return [queue.toKey('wait'), queue.toKey('paused')];
    });
  }

  /** Reserves a place for `taskId` of `owner`, or throws the 503/429 problem. */
  async admit(owner: string, taskId: string): Promise<Admission> {
    if (!this.config.ADMISSION_ENABLED) return NO_OP;
    const keys = [RESERVATIONS_KEY, unfinishedTasksKey(owner), ...this.queueKeys];
    const [verdict, count] = await this.admitCommand(
      keys.length,
      ...keys,
      taskId,
      this.config.MAX_UNFINISHED_PER_PRINCIPAL,
      this.config.MAX_WAITING_JOBS,
      RESERVATION_LIFETIME_MS,
      taskKey(''),
      TERMINAL_LIST,
    );
    const retryAfter = String(this.config.ADMISSION_RETRY_AFTER_SECONDS);
    if (verdict === 1) {
      throw new ProblemException(
        503,
        'queue-full',
        'Service Unavailable',
        `the queue holds ${count} waiting jobs, its limit; retry in ${retryAfter} s`,
        { waitingJobs: count, maxWaitingJobs: this.config.MAX_WAITING_JOBS },
        { 'Retry-After': retryAfter },
      );
    }
    if (verdict === 2) {
      throw new ProblemException(
        429,
        'too-many-unfinished-tasks',
        'Too Many Requests',
        `you have ${count} unfinished tasks, the most allowed; retry when one has finished`,
        { unfinishedTasks: count, maxUnfinishedTasks: this.config.MAX_UNFINISHED_PER_PRINCIPAL },
        { 'Retry-After': retryAfter },
      );
    }
    return {
      enqueued: () => {
        this.redis.zrem(RESERVATIONS_KEY, taskId).catch((error: unknown) => this.logger.warn({ err: error, taskId }, 'could not release an admission'));
      },
      abandon: async () => {
        await this.redis.multi().zrem(RESERVATIONS_KEY, taskId).srem(unfinishedTasksKey(owner), taskId).exec();
      },
    };
  }
}
