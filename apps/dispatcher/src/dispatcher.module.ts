import { Module, type DynamicModule } from '@nestjs/common';
import { AppConfigModule, APP_CONFIG, type AppConfig } from '@app/config';
import { TasksModule } from '@app/tasks';
import { FleetController } from './fleet/fleet.controller.js';
import { FleetService } from './fleet/fleet.service.js';
import { Cancellations } from './jobs/cancellations.js';
import { JobRunner } from './jobs/job-runner.js';
import { LocalResultStore } from './results/result-store.js';

@Module({})
export class DispatcherModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [AppConfigModule.forRoot(config), TasksModule],
      controllers: [FleetController],
      providers: [
        { provide: LocalResultStore, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new LocalResultStore(c.DATA_DIR) },
        Cancellations,
        JobRunner,
        FleetService,
      ],
    };
  }
}

