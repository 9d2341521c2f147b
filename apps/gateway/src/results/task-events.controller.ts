import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { TERMINAL_STATUSES, type TaskStatus } from '@app/contracts';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { ProblemDto } from '../video/dto/task-status.dto.js';
import { TaskIdPipe } from '../video/task-id.pipe.js';
import type { TaskView } from '../video/task-view.js';
import { VideoService } from '../video/video.service.js';

/** The parts of a view that make an event worth sending (the share link's expiry moves on its own). */
const comparable = ({ shareUrl: _link, ...view }: TaskView): string => JSON.stringify(view);

/**
 * Live progress as Server-Sent Events. Every event is a plain `message` whose data is the task's status
 * JSON (status, queuePosition, progress, result links): one at once, one whenever it changes, and the
 * final state last, after which the stream ends. The gateway polls the task hash (SSE_POLL_INTERVAL_MS),
 * so the dispatcher's hot path does nothing extra; comments keep idle connections open.
 */
@ApiTags('video')
@ApiBearerAuth()
@Controller('api/video/status')
export class TaskEventsController {
  constructor(
    private readonly videos: VideoService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':taskId/events')
  @ApiOperation({ summary: 'Server-Sent Events: the task status on every change (queue position, progress), ending after the final state' })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: '`data:` lines, each the JSON of GET /api/video/status/{taskId}', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 404, description: 'No such task, or not yours', type: ProblemDto })
  async events(@CurrentPrincipal() principal: Principal, @Param('taskId', TaskIdPipe) taskId: string, @Res() reply: FastifyReply): Promise<void> {
    let view = await this.videos.status(principal, taskId); // a 404 is still an ordinary problem+json answer
    reply.hijack();
    const stream = reply.raw;
    let open = true;
    stream.on('close', () => (open = false));
    stream.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    stream.write('retry: 3000\n\n');
    let sent = '';
    let eventId = 0;
    let quietSince = Date.now();
    try {
      while (open) {
        const current = comparable(view);
        if (current !== sent) {
          stream.write(`id: ${++eventId}\ndata: ${JSON.stringify(view)}\n\n`);
          sent = current;
          quietSince = Date.now();
        } else if (Date.now() - quietSince >= this.config.SSE_HEARTBEAT_MS) {
          stream.write(': keep-alive\n\n');
          quietSince = Date.now();
        }
        if (TERMINAL_STATUSES.has(view.status as TaskStatus)) break;
        await sleep(this.config.SSE_POLL_INTERVAL_MS);
        if (!open) break;
        view = await this.videos.status(principal, taskId);
      }
    } catch (error) {
      if (open) stream.write(`event: error\ndata: ${JSON.stringify({ detail: error instanceof Error ? error.message : String(error) })}\n\n`);
    } finally {
      stream.end();
    }
  }
}
