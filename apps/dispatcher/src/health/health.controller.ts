import { Controller, Get, Res } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { LIVENESS_RESULT, toActuator, type ActuatorHealth, type BuildInfo } from '@app/observability';
import { DispatcherHealth } from './dispatcher-health.service.js';

/** The same health paths as the gateway's, on DISPATCHER_PORT (which has no authentication: keep it internal). */
@Controller()
export class HealthController {
  constructor(private readonly health: DispatcherHealth) {}

  @Get('health')
  liveness(): HealthCheckResult {
    return LIVENESS_RESULT;
  }

  @Get('health/ready')
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const { httpStatus, result } = await this.health.readiness();
    void reply.status(httpStatus);
    return result;
  }

  @Get(['actuator/health', 'actuator/health/readiness'])
  async actuatorHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<ActuatorHealth> {
    const { httpStatus, result } = await this.health.readiness();
    void reply.status(httpStatus);
    return toActuator(result);
  }

  @Get('actuator/health/liveness')
  actuatorLiveness(): ActuatorHealth {
    return { status: 'UP' };
  }

  @Get('actuator/info')
  info(): BuildInfo {
    return this.health.info;
  }
}
