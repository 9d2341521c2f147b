import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { FLEET_SNAPSHOT_KEY } from '@app/contracts';
import { modelCoverage, parseFleetHash, type FleetEntry, type ModelCoverage } from '@app/observability';
import { REDIS } from '@app/tasks';
import { ADMIN_ROLE } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';

export interface FleetTable {
  /** One row per model service, as the dispatcher driving it last published it. */
  services: FleetEntry[];
  /** Healthy and known services per configured model. */
  models: Record<string, ModelCoverage>;
}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/admin')
export class FleetAdminController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Get('fleet')
  @Roles(ADMIN_ROLE)
  @ApiOperation({ summary: 'The fleet table: every model service with its state, model, VRAM, breaker, lease and running task' })
  @ApiOkResponse({
    description: '{"services":[…],"models":{…}}',
    schema: {
      type: 'object',
      required: ['services', 'models'],
      properties: {
        services: { type: 'array', description: 'One row per model service, as its dispatcher last published it', items: { type: 'object', additionalProperties: true } },
        models: {
          type: 'object',
          description: 'Healthy and known services per configured model',
          additionalProperties: { type: 'object', properties: { healthy: { type: 'integer' }, total: { type: 'integer' } } },
        },
      },
    },
  })
  @ApiResponse({ status: 403, description: 'Needs the role video:admin' })
  async fleet(): Promise<FleetTable> {
    const services = parseFleetHash(await this.redis.hgetall(FLEET_SNAPSHOT_KEY));
    return { services, models: modelCoverage(this.config.MODELS, services, Date.now(), this.config.LEASE_TTL_MS * 3).models };
  }
}
