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
  /** The task whose generation this process drives on the service (by its own worker or, after a crash, another's). */
  currentTaskId: string | null = null;
  /** The job the service's own worker holds, if any. */
  workerTaskId: string | null = null;
  /** The last task driven here: a /health answer still naming it as BUSY is only stale. */
  lastTaskId: string | null = null;
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
   * breaker and be idle, or busy only with a job of ours: the one its worker drives, the one that just
   * finished (a stale answer), or an orphan to re-attach. A job driven here from another worker keeps it closed.
   */
  get canTakeJobs(): boolean {
    if (this.retired || this.reach !== 'UP' || !this.leaseHeld || this.breaker.opened || !this.health) return false;
    if (this.currentTaskId !== null && this.currentTaskId !== this.workerTaskId) return false;
    const { status, current_job: busyWith } = this.health;
    if (status === 'READY') return true;
    if (status !== 'BUSY' || busyWith === null) return false;
    return busyWith === this.currentTaskId || busyWith === this.lastTaskId || busyWith === this.orphanTaskId;
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
