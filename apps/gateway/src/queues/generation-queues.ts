import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { generationQueueName } from '@app/contracts';

/** The Bull queue of each enabled model, looked up by model id. */
@Injectable()
export class GenerationQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly moduleRef: ModuleRef) {}

  forModel(model: string): Queue {
    let queue = this.queues.get(model);
    if (!queue) {
      queue = this.moduleRef.get<Queue>(getQueueToken(generationQueueName(model)), { strict: false });
      this.queues.set(model, queue);
    }
    return queue;
  }
}
