import { Controller, Get } from '@nestjs/common';
import type { FleetMemberSnapshot } from './fleet-member.js';
import { FleetService } from './fleet.service.js';

@Controller()
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get('fleet')
  fleetTable(): FleetMemberSnapshot[] {
    return this.fleet.snapshot();
  }
}
