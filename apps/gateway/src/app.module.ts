import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfigModule, type AppConfig } from '@app/config';
import { loggingModule } from '@app/observability';
import { TasksModule } from '@app/tasks';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { GuardsModule } from './guards/guards.module.js';
import { HealthModule } from './health/health.module.js';
import { InteropModule } from './interop/interop.module.js';
import { ProblemFilter } from './problem/problem.filter.js';
import { QueuesModule } from './queues/queues.module.js';
import { ResultsModule } from './results/results.module.js';
import { TasksListModule } from './tasks-list/tasks-list.module.js';
import { VideoModule } from './video/video.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [AppConfigModule.forRoot(config), loggingModule(config, 'gateway'), TasksModule, QueuesModule.forRoot(config), ResultsModule.forRoot(config), AuthModule, GuardsModule, VideoModule, TasksListModule, InteropModule, HealthModule, AdminModule],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
