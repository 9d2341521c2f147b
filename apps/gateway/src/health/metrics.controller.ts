import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { METRICS_CONTENT_TYPE, renderMetrics } from '@app/observability';
import { Public } from '../auth/public.decorator.js';

/** Prometheus exposition at /metrics and at Actuator's /actuator/prometheus. No token needed: keep the port internal. */
@ApiTags('operations')
@Public()
@Controller()
export class MetricsController {
  @Get(['metrics', 'actuator/prometheus'])
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } })
  metrics(): Promise<string> {
    return renderMetrics();
  }
}
