import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { CANCEL_CHANNEL } from '@app/contracts';
import { createRedis } from '@app/tasks';

/** Listens for the gateway's cancel requests and aborts the matching job if it runs in this process. */
@Injectable()
export class Cancellations implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(Cancellations.name);
  private readonly running = new Map<string, AbortController>();
  private subscriber?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = createRedis(this.config.REDIS_URL, 'dispatcher:cancel', { enableAutoPipelining: false });
    this.subscriber.on('message', (_channel: string, taskId: string) => {
      const controller = this.running.get(taskId);
      if (controller) {
        this.logger.log({ taskId }, 'cancel requested');
        controller.abort();
      }
    });
    await this.subscriber.subscribe(CANCEL_CHANNEL);
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }

  register(taskId: string): AbortController {
    const controller = new AbortController();
    this.running.set(taskId, controller);
    return controller;
  }

  release(taskId: string): void {
    this.running.delete(taskId);
  }
}
