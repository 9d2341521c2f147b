import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule, type AppConfig } from '@app/config';
import { StorageModule } from '@app/storage';
import { TasksModule } from '@app/tasks';
import { FleetController } from './fleet/fleet.controller.js';
import { FleetService } from './fleet/fleet.service.js';
import { dispatcherOps } from './health/ops.js';
import { Cancellations } from './jobs/cancellations.js';
import { JobRunner } from './jobs/job-runner.js';
import { RetentionScheduler } from './results/retention.js';

@Module({})
export class DispatcherModule {
  static forRoot(config: AppConfig): DynamicModule {
    const ops = dispatcherOps(config); // /health, /actuator/*, /metrics, JSON logs
    return {
      module: DispatcherModule,
      imports: [AppConfigModule.forRoot(config), ...ops.imports, TasksModule, StorageModule.forRoot(config, 'dispatcher')],
      controllers: [FleetController, ...ops.controllers],
      providers: [
        ...ops.providers,
        RetentionScheduler,
        Cancellations,
        JobRunner,
        FleetService,
      ],
    };
  }
}

