import { Controller, Get, Header } from '@nestjs/common';
import { METRICS_CONTENT_TYPE, renderMetrics } from '@app/observability';

/** Prometheus exposition at /metrics and /actuator/prometheus. */
@Controller()
export class MetricsController {
  @Get(['metrics', 'actuator/prometheus'])
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return renderMetrics();
  }
}
