import type { Redis } from 'ioredis';
import { KEY_PREFIX, taskKey, TERMINAL_STATUSES } from '@app/contracts';
import type { NewTaskWrite } from '@app/tasks';
import { ProblemException } from '../../problem/problem.js';
import { ADMISSION_SCRIPT } from './admission-script.js';

export const RESERVATIONS_KEY = `${KEY_PREFIX}admission:reserved`;
export const unfinishedTasksKey = (owner: string): string => `${KEY_PREFIX}owner:${owner}:unfinished`;
/** A reservation older than this belongs to a submit that died half-way; it stops counting. */
export const RESERVATION_LIFETIME_MS = 30_000;
/** Released reservations go with the next admission; when none comes within this time, on their own. */
export const RELEASE_DELAY_MS = 20;
const TERMINAL_LIST = `|${[...TERMINAL_STATUSES].join('|')}|`;

export interface AdmissionLimits {
  maxWaitingJobs: number;
  maxUnfinishedPerOwner: number;
  retryAfterSeconds: number;
}

/** What the submit path does with its admission: release it once the job is in Bull, or give it back. */
export interface Admission {
  /** The job is in Bull: from now on it counts through the wait list. */
  enqueued(): void;
  /** Queueing the task's job failed: free both the reservation and the owner's slot (the caller removes the task). */
  abandon(): Promise<void>;
}

type AdmitCommand = (...args: Array<string | number>) => Promise<[number, number]>;

/**
 * A global cap on waiting jobs (→ 503) and a per-owner cap on unfinished tasks (→ 429), both with
 * Retry-After, decided in one Lua script (one EVALSHA, auto-pipelined) so that replicas and concurrent
 * requests cannot overshoot. The same script writes the admitted task, so a refused submit writes nothing
 * and an admitted one costs no further round trip. `queueKeys` are the Bull wait and paused lists of every
 * model queue.
 */
export class AdmissionGate {
  private readonly admitCommand: AdmitCommand;
  /** Reservations to release: sent with the next admission, or as one ZREM after RELEASE_DELAY_MS. */
  private releases: string[] = [];
  private releaseTimer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly limits: AdmissionLimits,
    private readonly queueKeys: readonly string[],
    private readonly onReleaseError: (error: unknown, taskId: string) => void = () => undefined,
  ) {
    if (!('videogwAdmit' in redis)) redis.defineCommand('videogwAdmit', { lua: ADMISSION_SCRIPT });
    this.admitCommand = (redis as unknown as { videogwAdmit: AdmitCommand }).videogwAdmit.bind(redis);
  }

  /** Reserves a place for the new task of `owner` and writes it, or throws the 503/429 problem with nothing written. */
  async admit(owner: string, task: NewTaskWrite): Promise<Admission> {
    const { taskId } = task;
    const keys = [RESERVATIONS_KEY, unfinishedTasksKey(owner), task.hashKey, task.indexKey, ...this.queueKeys];
    const { maxWaitingJobs, maxUnfinishedPerOwner, retryAfterSeconds } = this.limits;
    const releases = this.takeReleases(); // lost with a failed call: they stop counting after RESERVATION_LIFETIME_MS
    const [verdict, count] = await this.admitCommand(
      keys.length,
      ...keys,
      taskId,
      maxUnfinishedPerOwner,
      maxWaitingJobs,
      RESERVATION_LIFETIME_MS,
      taskKey(''),
      TERMINAL_LIST,
      task.indexScore,
      releases.length,
      ...releases,
      ...task.hashPairs,
    );
    const retryAfter = { 'Retry-After': String(retryAfterSeconds) };
    if (verdict === 1) {
      throw new ProblemException(
        503,
        'queue-full',
        'Service Unavailable',
        `${count} jobs are waiting, the most the queue takes; retry in ${retryAfterSeconds} s`,
        { waitingJobs: count, maxWaitingJobs },
        retryAfter,
      );
    }
    if (verdict === 2) {
      throw new ProblemException(
        429,
        'too-many-unfinished-tasks',
        'Too Many Requests',
        `you have ${count} unfinished tasks, the most allowed; submit again when one has finished`,
        { unfinishedTasks: count, maxUnfinishedTasks: maxUnfinishedPerOwner },
        retryAfter,
      );
    }
    return {
      enqueued: () => this.release(taskId),
      abandon: async () => {
        await this.redis.multi().zrem(RESERVATIONS_KEY, taskId).srem(unfinishedTasksKey(owner), taskId).exec();
      },
    };
  }

  private release(taskId: string): void {
    this.releases.push(taskId);
    this.releaseTimer ??= setTimeout(() => {
      this.releaseTimer = undefined;
      const ids = this.takeReleases();
      if (ids.length > 0) this.redis.zrem(RESERVATIONS_KEY, ...ids).catch((error: unknown) => this.onReleaseError(error, ids.join(',')));
    }, RELEASE_DELAY_MS).unref();
  }

  private takeReleases(): string[] {
    const ids = this.releases;
    if (ids.length > 0) this.releases = [];
    return ids;
  }
}
