import type { ModuleMetadata } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { AppConfig } from '@app/config';
import { loggingModule } from '@app/observability';
import { DispatcherHealth } from './dispatcher-health.service.js';
import { DispatcherMetrics } from './dispatcher-metrics.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';

/**
 * Health, metrics and JSON logging for the dispatcher, spread into DispatcherModule (the health checks
 * read FleetService, which lives there).
 */
export function dispatcherOps(config: AppConfig): Required<Pick<ModuleMetadata, 'imports' | 'controllers' | 'providers'>> {
  return {
    imports: [loggingModule(config, 'dispatcher'), TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController, MetricsController],
    providers: [DispatcherHealth, DispatcherMetrics],
  };
}
