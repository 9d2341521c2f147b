import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator.js';

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  @Get('health')
  liveness(): { status: 'UP' } {
    return { status: 'UP' };
  }
}
