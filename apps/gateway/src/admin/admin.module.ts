import { Module } from '@nestjs/common';
import { FleetAdminController } from './fleet-admin.controller.js';

/** GET /api/admin/fleet. The queue board (/admin/queues) is a Fastify plugin installed by main.ts (queue-board.ts). */
@Module({ controllers: [FleetAdminController] })
export class AdminModule {}
