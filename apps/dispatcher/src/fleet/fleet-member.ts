import CircuitBreaker from 'opossum';
import type { BreakerState, FleetMemberSnapshot, ModelServiceHealth } from '@app/contracts';
import type { AppConfig } from '@app/config';
import { isNotTheServicesFault } from '../jobs/job-errors.js';
import { ModelServiceClient } from './model-service.client.js';

export type ReachState = 'UNKNOWN' | 'UP' | 'DOWN';
export type { BreakerState, FleetMemberSnapshot };

/** What the dispatcher knows about one model service: health, lease, breaker and the job it runs. */
export class FleetMember {
  readonly client: ModelServiceClient;
  readonly breaker: CircuitBreaker<[() => Promise<void>], void>;
  reach: ReachState = 'UNKNOWN';
  health?: ModelServiceHealth;
  lastError: string | null = null;
  lastSeen: string | null = null;
  leaseHeld = false;
  leaseHolder: string | null = null;
  breakerChangedAt: string | null = null;
  /**
   * The generation slot: the task whose generation this process has started (or is about to start, or re-attached
   * to) on the service. It is freed as soon as the generation ends on the service, before the video is downloaded
   * and the task settled, so that the next job starts while that bookkeeping goes on.
   */
  currentTaskId: string | null = null;
  /** Jobs the service's own worker holds: at most one generating and one being settled. */
  readonly heldTaskIds = new Set<string>();
  /** The last generation that ended here. */
  lastTaskId: string | null = null;
  /** Generations that ended here lately: a /health answer (polled every second) still naming one as BUSY is stale. */
  private readonly recentTaskIds: string[] = [];
  /** Called when the generation slot frees (the fleet resumes the worker at once rather than at the next poll). */
  onSlotFreed: () => void = () => undefined;
  private startWaiters: Array<() => void> = [];
  /** A task of ours that the service runs while nobody drives it (its dispatcher died): it gets re-attached. */
  orphanTaskId: string | null = null;
  lastFinishedAt = 0;
  jobsRun = 0;
  polling = false;
  /** Left the fleet (its DNS record went away): takes no more jobs while its worker closes. */
  retired = false;

  constructor(
    readonly url: string,
    config: AppConfig,
  ) {
    this.client = new ModelServiceClient(url, config.MODEL_SERVICE_TIMEOUT_MS);
    this.breaker = new CircuitBreaker((action: () => Promise<void>) => action(), {
      timeout: false,
      errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENTAGE,
      volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
      resetTimeout: config.BREAKER_RESET_TIMEOUT_MS,
      rollingCountTimeout: config.BREAKER_ROLLING_WINDOW_MS,
      rollingCountBuckets: 10,
      errorFilter: isNotTheServicesFault,
      name: url,
    });
  }

  get breakerState(): BreakerState {
    if (this.breaker.opened) return 'OPEN';
    if (this.breaker.halfOpen) return 'HALF_OPEN';
    return 'CLOSED';
  }

  get model(): string | undefined {
    return this.health?.model;
  }

  get vramTotalBytes(): number {
    return this.health?.vram_total_bytes ?? 0;
  }

  /** Answers and is neither starting nor broken (it may be busy). */
  get serving(): boolean {
    return this.reach === 'UP' && (this.health?.status === 'READY' || this.health?.status === 'BUSY');
  }

  /**
   * May the service's worker take the next job? The service must answer, be ours, have a closed (or probing)
   * breaker, no generation of ours in flight, and be idle or busy only with a job of ours: one that just ended
   * (a stale answer) or an orphan to re-attach.
   */
  get canTakeJobs(): boolean {
    if (this.retired || this.reach !== 'UP' || !this.leaseHeld || this.breaker.opened || !this.health) return false;
    if (this.currentTaskId !== null) return false;
    const { status, current_job: busyWith } = this.health;
    if (status === 'READY') return true;
    if (status !== 'BUSY' || busyWith === null) return false;
    return this.isOurs(busyWith) || busyWith === this.orphanTaskId;
  }

  /** A job this process drives or drove here lately (not an orphan). */
  isOurs(taskId: string): boolean {
    return taskId === this.currentTaskId || this.heldTaskIds.has(taskId) || this.recentTaskIds.includes(taskId);
  }

  /** Takes the generation slot for `taskId` if it is free (synchronously: two worker loops may race for it). */
  claimSlot(taskId: string): boolean {
    if (this.currentTaskId !== null && this.currentTaskId !== taskId) return false;
    this.currentTaskId = taskId;
    return true;
  }

  /** The service accepted a generation: whoever waits for the next start goes on. */
  noteStarted(): void {
    const waiters = this.startWaiters;
    this.startWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Resolves when the service has accepted its next generation, or after `timeoutMs`: settling a finished job
   * waits for that, so that its download does not compete with the next dispatch for the event loop.
   */
  nextStart(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.startWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The generation of `taskId` ended (or never started): the slot frees and the next job may start. */
  releaseSlot(taskId: string): void {
    if (this.currentTaskId !== taskId) return;
    this.currentTaskId = null;
    this.lastTaskId = taskId;
    this.recentTaskIds.push(taskId);
    if (this.recentTaskIds.length > 16) this.recentTaskIds.shift();
    this.lastFinishedAt = Date.now();
    this.jobsRun += 1;
    this.onSlotFreed();
  }

  /** The service runs `taskId` as its current job, by its last /health answer. */
  isBusyWith(taskId: string): boolean {
    return this.health?.status === 'BUSY' && this.health.current_job === taskId;
  }

  setBreakerChanged(): void {
    this.breakerChangedAt = new Date().toISOString();
  }

  snapshot(reportedBy: string): FleetMemberSnapshot {
    return {
      url: this.url,
      state: this.reach === 'UP' ? (this.health?.status ?? 'UNKNOWN') : this.reach,
      model: this.health?.model ?? null,
      backend: this.health?.backend ?? null,
      device: this.health?.device ?? null,
      vramTotalBytes: this.health?.vram_total_bytes ?? null,
      vramFreeBytes: this.health?.vram_free_bytes ?? null,
      inFlightTask: this.currentTaskId,
      breaker: this.breakerState,
      breakerChangedAt: this.breakerChangedAt,
      leaseHeld: this.leaseHeld,
      leaseHolder: this.leaseHolder,
      reportedBy,
      jobsRun: this.jobsRun,
      lastError: this.lastError,
      lastSeen: this.lastSeen,
    };
  }
}
