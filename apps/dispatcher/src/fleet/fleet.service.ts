import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { QueueOptions } from 'bull';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { KEY_PREFIX } from '@app/contracts';
import { bullQueueOptions, REDIS, TaskStore } from '@app/tasks';
import { JobRunner } from '../jobs/job-runner.js';
import { FleetMember, type FleetMemberSnapshot } from './fleet-member.js';
import { ServiceLeases } from './lease.js';
import { ServiceWorker } from './service-worker.js';

export const FLEET_SNAPSHOT_KEY = `${KEY_PREFIX}fleet`;

/**
 * The model services this replica knows (static list and DNS), their health, and one worker per service
 * it holds the lease of. A service gets jobs only while it answers, is idle and its breaker is not open.
 */
@Injectable()
export class FleetService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FleetService.name);
  private readonly members = new Map<string, FleetMember>();
  private readonly workers = new Map<string, ServiceWorker>();
  private readonly leases: ServiceLeases;
  private readonly queueOptions: QueueOptions;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly runner: JobRunner,
    private readonly tasks: TaskStore,
  ) {
    const holder = config.DISPATCHER_ID ?? `${hostname()}:${process.pid}`;
    this.leases = new ServiceLeases(redis, holder, config.LEASE_TTL_MS);
    this.queueOptions = bullQueueOptions(config, 'dispatcher');
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

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.workers.values()].map((worker) => worker.close()));
    await Promise.all([...this.members.keys()].map((url) => this.leases.release(url).catch(() => undefined)));
  }

  snapshot(): FleetMemberSnapshot[] {
    return [...this.members.values()].map((member) => member.snapshot());
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
    const onBreakerChange = (event: string) => () => {
      this.logger.warn({ service: url, breaker: member.breakerState }, `circuit breaker ${event}`);
      void this.reconcile(member);
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
    if (!member || member.currentTaskId) return; // keep driving a running job; removed on a later pass
    this.members.delete(url);
    await this.workers.get(url)?.close();
    this.workers.delete(url);
    await this.leases.release(url);
    this.logger.log({ service: url }, 'model service removed');
  }

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
    for (const url of this.members.keys()) if (!urls.has(url) && !statics.has(url)) await this.remove(url);
  }

  private async pollAll(): Promise<void> {
    await Promise.all([...this.members.values()].map((member) => this.poll(member)));
    await this.publishSnapshot();
  }

  private async poll(member: FleetMember): Promise<void> {
    try {
      member.health = await member.client.health(this.config.HEALTH_TIMEOUT_MS);
      member.reach = 'UP';
      member.lastSeen = new Date().toISOString();
      if (member.health.error) member.lastError = member.health.error;
    } catch (error) {
      if (member.reach !== 'DOWN') this.logger.warn({ service: member.url, err: String(error) }, 'model service unreachable');
      member.reach = 'DOWN';
      member.lastError = error instanceof Error ? error.message : String(error);
    }
    try {
      member.leaseHeld = await this.leases.acquireOrRenew(member.url);
    } catch (error) {
      member.leaseHeld = false;
      this.logger.warn({ service: member.url, err: String(error) }, 'lease renewal failed');
    }
    await this.reconcile(member);
  }

  /** Starts, pauses or resumes the service's worker to match what the service can take now. */
  private async reconcile(member: FleetMember): Promise<void> {
    if (this.stopping) return;
    const model = member.model;
    const servesEnabledModel = model !== undefined && this.config.MODELS.includes(model);
    let worker = this.workers.get(member.url);
    if (worker && worker.model !== model) {
      await worker.close();
      this.workers.delete(member.url);
      worker = undefined;
    }
    const available = servesEnabledModel && member.canTakeJobs;
    if (!worker && available && model) {
      worker = new ServiceWorker(member, model, this.queueOptions, this.runner, this.tasks);
      this.workers.set(member.url, worker);
      this.logger.log({ service: member.url, model }, 'worker started');
      return;
    }
    await worker?.setAvailable(available);
  }

  private async publishSnapshot(): Promise<void> {
    const snapshot = this.snapshot();
    if (snapshot.length === 0) return;
    const fields = Object.fromEntries(snapshot.map((entry) => [entry.url, JSON.stringify(entry)]));
    await this.redis.multi().hset(FLEET_SNAPSHOT_KEY, fields).pexpire(FLEET_SNAPSHOT_KEY, this.config.LEASE_TTL_MS * 3).exec();
  }
}
