import { Global, Module, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import type { AppConfig } from '@app/config';
import { generationQueueName } from '@app/contracts';
import { bullQueueOptions } from '@app/tasks';
import { GenerationQueues } from './generation-queues.js';

@Global()
@Module({})
export class QueuesModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        BullModule.forRoot(bullQueueOptions(config, 'gateway')),
        BullModule.registerQueue(...config.MODELS.map((model) => ({ name: generationQueueName(model) }))),
      ],
      providers: [GenerationQueues],
      exports: [GenerationQueues, BullModule],
    };
  }
}
