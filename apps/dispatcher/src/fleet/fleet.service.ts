import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { QueueOptions } from 'bull';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { FLEET_SNAPSHOT_KEY, type FleetMemberSnapshot } from '@app/contracts';
import { bullQueueOptions, REDIS, TaskStore } from '@app/tasks';
import { JobRunner } from '../jobs/job-runner.js';
import { FleetMember } from './fleet-member.js';
import { ServiceLeases } from './lease.js';
import { ServiceWorker, type FleetView, type ServiceWorkerSettings } from './service-worker.js';

export { FLEET_SNAPSHOT_KEY };

/** Most of a second between hand-backs of one job: long enough not to spin, short enough not to idle a GPU long. */
const MAX_HAND_BACK_MS = 250;

/**
 * The model services this replica knows (static list and DNS), their health, and one worker per service
 * it holds the lease of. A service gets jobs only while it answers, is idle and its breaker is not open.
 */
@Injectable()
export class FleetService implements OnModuleInit, BeforeApplicationShutdown, FleetView {
  private readonly logger = new Logger(FleetService.name);
  private readonly members = new Map<string, FleetMember>();
  private readonly workers = new Map<string, ServiceWorker>();
  private readonly leases: ServiceLeases;
  private readonly queueOptions: QueueOptions;
  private readonly workerSettings: ServiceWorkerSettings;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly runner: JobRunner,
    private readonly tasks: TaskStore,
  ) {
    this.leases = new ServiceLeases(redis, config.DISPATCHER_ID ?? `${hostname()}:${process.pid}`, config.LEASE_TTL_MS);
    this.queueOptions = bullQueueOptions(config, 'dispatcher');
    this.workerSettings = {
      backoffMs: config.JOB_BACKOFF_MS,
      handBackMs: Math.min(MAX_HAND_BACK_MS, config.HEALTH_POLL_INTERVAL_MS),
    };
  }

  /** This replica's id, as it appears in leases and fleet snapshots. */
  get replicaId(): string {
    return this.leases.holder;
  }

  async onModuleInit(): Promise<void> {
    for (const url of this.config.MODEL_SERVICES) this.add(url);
    if (this.config.MODEL_SERVICES_DNS) {
      await this.resolveDns();
      this.every(this.config.MODEL_SERVICES_DNS_INTERVAL_MS, () => this.resolveDns());
    }
    await this.pollAll();
    this.every(this.config.HEALTH_POLL_INTERVAL_MS, () => this.pollAll());
  }

  /** Before Redis closes (onApplicationShutdown): running jobs get SHUTDOWN_GRACE_MS, then are handed back. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.workers.values()].map((worker) => worker.close(this.config.SHUTDOWN_GRACE_MS)));
    await Promise.all([...this.members.keys()].map((url) => this.leases.release(url).catch(() => undefined)));
  }

  snapshot(): FleetMemberSnapshot[] {
    return [...this.members.values()].map((member) => member.snapshot(this.replicaId));
  }

  member(url: string): FleetMember | undefined {
    return this.members.get(url);
  }

  hasAlternative(model: string, excluded: readonly string[], idle = false): boolean {
    for (const member of this.members.values()) {
      if (member.model !== model || excluded.includes(member.url) || !member.serving) continue;
      if (member.leaseHeld && member.breaker.opened) continue;
      if (idle && (member.health?.status !== 'READY' || member.currentTaskId !== null)) continue;
      return true;
    }
    return false;
  }

  changed(member: FleetMember): void {
    void this.reconcile(member).catch((error: unknown) => this.logger.warn({ service: member.url, err: error }, 'reconcile failed'));
  }

  private every(intervalMs: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.stopping) return;
      running = true;
      task()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'periodic task failed'))
        .finally(() => (running = false));
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  private add(url: string): FleetMember {
    const existing = this.members.get(url);
    if (existing) return existing;
    const member = new FleetMember(url, this.config);
    member.onSlotFreed = () => this.changed(member);
    const onBreakerChange = (event: string) => () => {
      member.setBreakerChanged();
      const log = { service: url, breaker: member.breakerState };
      if (event === 'close') this.logger.log(log, 'circuit breaker closed');
      else this.logger.warn(log, `circuit breaker ${event === 'open' ? 'opened' : 'half-open: the next job is a probe'}`);
      this.changed(member);
      void this.publishSnapshot().catch(() => undefined);
    };
    member.breaker.on('open', onBreakerChange('open'));
    member.breaker.on('halfOpen', onBreakerChange('halfOpen'));
    member.breaker.on('close', onBreakerChange('close'));
    this.members.set(url, member);
    this.logger.log({ service: url }, 'model service added');
    return member;
  }

  private async remove(url: string): Promise<void> {
    const member = this.members.get(url);
    if (!member || member.currentTaskId || member.heldTaskIds.size > 0) return; // keep driving a running job; removed on a later pass
    member.retired = true; // a job its worker fetches meanwhile goes back to the queue
    const worker = this.workers.get(url);
    this.workers.delete(url);
    worker?.setAvailable(false);
    await worker?.close();
    this.members.delete(url);
    await this.leases.release(url);
    await this.redis.hdel(FLEET_SNAPSHOT_KEY, url);
    this.logger.log({ service: url }, 'model service removed');
  }

  /** All A/AAAA records of MODEL_SERVICES_DNS (a headless Kubernetes service), each one model service. */
  private async resolveDns(): Promise<void> {
    const [host, port] = (this.config.MODEL_SERVICES_DNS ?? '').split(':');
    if (!host || !port) return;
    const addresses = await lookup(host, { all: true }).catch((error: unknown) => {
      this.logger.warn({ host, err: error }, 'DNS lookup failed; keeping the known services');
      return null;
    });
    if (!addresses) return;
    const urls = new Set(addresses.map(({ address, family }) => `http://${family === 6 ? `[${address}]` : address}:${port}`));
    for (const url of urls) this.add(url);
    const statics = new Set(this.config.MODEL_SERVICES);
    for (const url of [...this.members.keys()]) if (!urls.has(url) && !statics.has(url)) await this.remove(url);
  }

  /** Polls every service; a slow one does not hold up the others (each has its own timeout and in-flight guard). */
  private async pollAll(): Promise<void> {
    await Promise.all([...this.members.values()].filter((member) => !member.polling).map((member) => this.poll(member)));
    await this.publishSnapshot();
  }

  private async poll(member: FleetMember): Promise<void> {
    member.polling = true;
    try {
      await this.pollHealth(member);
      try {
        member.leaseHolder = await this.leases.acquireOrRenew(member.url);
        member.leaseHeld = member.leaseHolder === this.replicaId;
      } catch (error) {
        member.leaseHeld = false;
        this.logger.warn({ service: member.url, err: String(error) }, 'lease renewal failed');
      }
      await this.reconcile(member);
    } finally {
      member.polling = false;
    }
  }

  private async pollHealth(member: FleetMember): Promise<void> {
    try {
      member.health = await member.client.health(this.config.HEALTH_TIMEOUT_MS);
      if (member.reach !== 'UP') this.logger.log({ service: member.url, state: member.health.status, model: member.health.model }, 'model service up');
      member.reach = 'UP';
      member.lastSeen = new Date().toISOString();
      if (member.health.error) member.lastError = member.health.error;
      await this.noteOrphan(member);
    } catch (error) {
      if (member.reach !== 'DOWN') this.logger.warn({ service: member.url, err: String(error) }, 'model service unreachable');
      member.reach = 'DOWN';
      member.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  /**
   * A service busy with a task that is PROCESSING on it but driven by nobody here ran it for a dispatcher that
   * died: its worker is let run, so the job (back in the queue after Bull's stalled check) re-attaches at once.
   */
  private async noteOrphan(member: FleetMember): Promise<void> {
    const health = member.health;
    const busyWith = health?.status === 'BUSY' ? health.current_job : null;
    if (!busyWith || member.isOurs(busyWith)) {
      member.orphanTaskId = null;
      return;
    }
    if (busyWith === member.orphanTaskId) return;
    const task = await this.tasks.get(busyWith);
    member.orphanTaskId = task?.status === 'PROCESSING' && task.service === member.url ? busyWith : null;
    if (member.orphanTaskId) this.logger.log({ service: member.url, taskId: busyWith }, 'service runs an orphaned job of ours: re-attaching');
  }

  /** Starts, pauses or resumes the service's worker to match what the service can take now. */
  private async reconcile(member: FleetMember): Promise<void> {
    if (this.stopping || this.members.get(member.url) !== member) return;
    const model = member.model;
    const servesEnabledModel = model !== undefined && this.config.MODELS.includes(model);
    let worker = this.workers.get(member.url);
    if (worker && worker.model !== model) {
      this.workers.delete(member.url);
      await worker.close();
      worker = undefined;
    }
    const available = servesEnabledModel && member.canTakeJobs;
    if (!worker && available && model) {
      worker = new ServiceWorker(member, model, this.queueOptions, this.runner, this.tasks, this, this.workerSettings);
      this.workers.set(member.url, worker);
      this.logger.log({ service: member.url, model }, 'worker started');
      return;
    }
    worker?.setAvailable(available);
  }

  /** Each replica writes the rows of the services it drives, and of those nobody drives. */
  private async publishSnapshot(): Promise<void> {
    const rows = [...this.members.values()].filter((member) => member.leaseHeld || member.leaseHolder === null);
    if (rows.length === 0) return;
    const fields = Object.fromEntries(rows.map((member) => [member.url, JSON.stringify(member.snapshot(this.replicaId))]));
    await this.redis.multi().hset(FLEET_SNAPSHOT_KEY, fields).pexpire(FLEET_SNAPSHOT_KEY, this.config.LEASE_TTL_MS * 3).exec();
  }
}
