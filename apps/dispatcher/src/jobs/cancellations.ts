import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { CANCEL_CHANNEL } from '@app/contracts';
import { createRedis } from '@app/tasks';

/** A cancel for a job not (yet) registered here is remembered this long, for a worker about to start it. */
const UNCLAIMED_MS = 60_000;

/** Listens for the gateway's cancel requests and aborts the matching job if it runs in this process. */
@Injectable()
export class Cancellations implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(Cancellations.name);
  private readonly running = new Map<string, AbortController>();
  /** Cancels that found no running job here, by task id, with when they came. */
  private readonly unclaimed = new Map<string, number>();
  private subscriber?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = createRedis(this.config.REDIS_URL, 'dispatcher:cancel', { enableAutoPipelining: false });
    this.subscriber.on('message', (_channel: string, taskId: string) => {
      const controller = this.running.get(taskId);
      if (controller) {
        this.logger.log({ taskId }, 'cancel requested');
        controller.abort();
      } else {
        this.remember(taskId);
      }
    });
    await this.subscriber.subscribe(CANCEL_CHANNEL);
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }

  /** Aborted at once if its cancel came while a worker was picking the job up. */
  register(taskId: string): AbortController {
    const controller = new AbortController();
    this.running.set(taskId, controller);
    if (this.unclaimed.delete(taskId)) controller.abort();
    return controller;
  }

  private remember(taskId: string): void {
    const now = Date.now();
    this.unclaimed.set(taskId, now);
    if (this.unclaimed.size > 1000) for (const [id, at] of this.unclaimed) if (now - at > UNCLAIMED_MS) this.unclaimed.delete(id);
  }

  release(taskId: string): void {
    this.running.delete(taskId);
  }
}
