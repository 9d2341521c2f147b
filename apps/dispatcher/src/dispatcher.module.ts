import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule, type AppConfig } from '@app/config';
import { StorageModule } from '@app/storage';
import { TasksModule } from '@app/tasks';
import { FleetController } from './fleet/fleet.controller.js';
import { FleetService } from './fleet/fleet.service.js';
import { Cancellations } from './jobs/cancellations.js';
import { JobRunner } from './jobs/job-runner.js';
import { RetentionScheduler } from './results/retention.js';

@Module({})
export class DispatcherModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [AppConfigModule.forRoot(config), TasksModule, StorageModule.forRoot(config, 'dispatcher')],
      controllers: [FleetController],
      providers: [
        RetentionScheduler,
        Cancellations,
        JobRunner,
        FleetService,
      ],
    };
  }
}

