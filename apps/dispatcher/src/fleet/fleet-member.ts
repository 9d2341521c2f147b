import CircuitBreaker from 'opossum';
import type { ModelServiceHealth } from '@app/contracts';
import type { AppConfig } from '@app/config';
import { isNotTheServicesFault } from '../jobs/job-errors.js';
import { ModelServiceClient } from './model-service.client.js';

export type ReachState = 'UNKNOWN' | 'UP' | 'DOWN';
export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** What the dispatcher knows about one model service: health, lease, breaker and the job it runs. */
export class FleetMember {
  readonly client: ModelServiceClient;
  readonly breaker: CircuitBreaker<[() => Promise<void>], void>;
  reach: ReachState = 'UNKNOWN';
  health?: ModelServiceHealth;
  lastError: string | null = null;
  lastSeen: string | null = null;
  leaseHeld = false;
  currentTaskId: string | null = null;
  lastFinishedAt = 0;
  jobsRun = 0;

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

  /**
   * May this service take the next job? It must answer, be ours, have a closed (or probing) breaker,
   * and be idle, or busy only with the job we are driving on it.
   */
  get canTakeJobs(): boolean {
    if (this.reach !== 'UP' || !this.leaseHeld || this.breaker.opened || !this.health) return false;
    if (this.health.status === 'READY') return true;
    return this.health.status === 'BUSY' && this.health.current_job !== null && this.health.current_job === this.currentTaskId;
  }

  snapshot(): FleetMemberSnapshot {
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
      leaseHeld: this.leaseHeld,
      jobsRun: this.jobsRun,
      lastError: this.lastError,
      lastSeen: this.lastSeen,
    };
  }
}

export interface FleetMemberSnapshot {
  url: string;
  state: string;
  model: string | null;
  backend: string | null;
  device: string | null;
  vramTotalBytes: number | null;
  vramFreeBytes: number | null;
  inFlightTask: string | null;
  breaker: BreakerState;
  leaseHeld: boolean;
  jobsRun: number;
  lastError: string | null;
  lastSeen: string | null;
}
