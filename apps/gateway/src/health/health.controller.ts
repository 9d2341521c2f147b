import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { LIVENESS_RESULT, toActuator, type ActuatorHealth, type BuildInfo } from '@app/observability';
import { Public } from '../auth/public.decorator.js';
import { GatewayHealth } from './gateway-health.service.js';
import { ActuatorHealthDto, BuildInfoDto, HealthCheckDto } from './health.dto.js';

/** Liveness and readiness in terminus' shape, and the Spring Boot Actuator paths Java shops probe. No token needed. */
@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: GatewayHealth) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ description: '{"status":"ok"}', type: HealthCheckDto })
  liveness(): HealthCheckResult {
    return LIVENESS_RESULT;
  }

  @Get('health/ready')
  @ApiOperation({ summary: 'Readiness: Redis, a healthy model service per model, result store writable, disk free' })
  @ApiOkResponse({ description: 'Ready', type: HealthCheckDto })
  @ApiServiceUnavailableResponse({ description: 'Not ready (or shutting down); `error` names the failing checks', type: HealthCheckDto })
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const { httpStatus, result } = await this.health.readiness();
    void reply.status(httpStatus);
    return result;
  }

  @Get('actuator/health')
  @ApiOperation({ summary: 'Spring Boot Actuator health: {"status":"UP","components":{…}}, 503 when DOWN' })
  @ApiOkResponse({ description: 'UP', type: ActuatorHealthDto })
  @ApiServiceUnavailableResponse({ description: 'DOWN', type: ActuatorHealthDto })
  async actuatorHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<ActuatorHealth> {
    const { httpStatus, result } = await this.health.readiness();
    void reply.status(httpStatus);
    return toActuator(result);
  }

  @Get('actuator/health/liveness')
  @ApiOperation({ summary: 'Actuator liveness group' })
  @ApiOkResponse({ description: '{"status":"UP"}', type: ActuatorHealthDto })
  actuatorLiveness(): ActuatorHealth {
    return { status: 'UP' };
  }

  @Get('actuator/health/readiness')
  @ApiOperation({ summary: 'Actuator readiness group (same checks as /health/ready)' })
  @ApiOkResponse({ description: 'UP', type: ActuatorHealthDto })
  @ApiServiceUnavailableResponse({ description: 'DOWN', type: ActuatorHealthDto })
  actuatorReadiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<ActuatorHealth> {
    return this.actuatorHealth(reply);
  }

  @Get('actuator/info')
  @ApiOperation({ summary: 'Version, git commit and build time' })
  @ApiOkResponse({ description: '{"build":{…},"git":{…}}', type: BuildInfoDto })
  info(): BuildInfo {
    return this.health.info;
  }
}
