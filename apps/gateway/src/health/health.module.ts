import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { GatewayHealth } from './gateway-health.service.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';

/** /health, /health/ready, /actuator/*, /metrics. Readiness changes are logged by ReadinessReporter, so terminus logs nothing. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [GatewayHealth, GatewayMetrics],
  exports: [GatewayHealth],
})
export class HealthModule {}
