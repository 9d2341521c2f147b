import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { throttledRequests } from '@app/observability';
import type { TaskRecord } from '@app/contracts';
import { newTaskWrite, REDIS, TaskStore } from '@app/tasks';
import { ProblemException } from '../../problem/problem.js';
import { GenerationQueues } from '../../queues/generation-queues.js';
import { AdmissionGate, type Admission } from './admission-gate.js';

const ADMITTED: Admission = { enqueued: () => undefined, abandon: async () => undefined };

/**
 * Admission control for every submit path (VideoService.submitParsed): MAX_WAITING_JOBS over all model
 * queues (503) and MAX_UNFINISHED_PER_PRINCIPAL per owner (429); ADMISSION_ENABLED=false switches it off.
 */
@Injectable()
export class AdmissionControl implements OnModuleInit {
  private readonly logger = new Logger(AdmissionControl.name);
  private gate?: AdmissionGate;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly queues: GenerationQueues,
    private readonly tasks: TaskStore,
  ) {}

  onModuleInit(): void {
    if (!this.config.ADMISSION_ENABLED) return;
    const queueKeys = this.config.MODELS.flatMap((model) => {
      const queue = this.queues.forModel(model);
      return [queue.toKey('wait'), queue.toKey('paused')];
    });
    this.gate = new AdmissionGate(
      this.redis,
      {
        maxWaitingJobs: this.config.MAX_WAITING_JOBS,
        maxUnfinishedPerOwner: this.config.MAX_UNFINISHED_PER_PRINCIPAL,
        retryAfterSeconds: this.config.ADMISSION_RETRY_AFTER_SECONDS,
      },
      queueKeys,
      (error, taskId) => this.logger.warn({ err: error, taskId }, 'could not release an admission reservation'),
    );
  }

  /** Admits and writes a new task in one round trip, or throws the 503/429 problem with nothing written. */
  async admitNewTask(task: TaskRecord): Promise<Admission> {
    if (!this.gate) {
      await this.tasks.create(task);
      return ADMITTED;
    }
    try {
      return await this.gate.admit(task.owner, newTaskWrite(task));
    } catch (error) {
      if (error instanceof ProblemException && error.getStatus() === 429) throttledRequests.labels('(admission)').inc();
      throw error;
    }
  }
}
