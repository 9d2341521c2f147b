import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TaskStore } from '@app/tasks';
import { Public } from '../auth/public.decorator.js';
import { ProblemException } from '../problem/problem.js';
import { ProblemDto } from '../video/dto/task-status.dto.js';
import { TaskIdPipe } from '../video/task-id.pipe.js';
import { ResultDelivery } from './result-delivery.js';
import { ResultSubmission } from './result-submission.js';

/** Signed links that play in a browser <video> without a token (Range supported), until they expire. */
@ApiTags('video')
@Controller('api/video/share')
export class ShareController {
  constructor(
    private readonly tasks: TaskStore,
    private readonly results: ResultSubmission,
    private readonly delivery: ResultDelivery,
  ) {}

  @Get(':taskId')
  @Public()
  @ApiOperation({ summary: 'The MP4 behind a signed share link (the `shareUrl` of a completed task); no token needed' })
  @ApiProduces('video/mp4')
  @ApiQuery({ name: 'expires', description: 'Unix time (s) after which the link stops working' })
  @ApiQuery({ name: 'sig', description: 'base64url HMAC-SHA256 of "taskId.expires"' })
  @ApiOkResponse({ description: 'The video (Range requests answered with 206/416)', content: { 'video/mp4': { schema: { type: 'string', format: 'binary' } } } })
  @ApiResponse({ status: 403, description: 'The signature does not match or the link expired', type: ProblemDto })
  @ApiResponse({ status: 410, description: 'The result has expired', type: ProblemDto })
  async share(
    @Param('taskId', TaskIdPipe) taskId: string,
    @Query('expires') expires: unknown,
    @Query('sig') signature: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const verdict = this.results.links.verify(taskId, expires, signature);
    if (verdict !== 'ok') {
      throw new ProblemException(
        403,
        verdict === 'expired' ? 'share-link-expired' : 'share-link-invalid',
        'Forbidden',
        verdict === 'expired' ? 'this share link has expired; ask for a new one' : 'this share link is not valid',
      );
    }
    const task = await this.tasks.get(taskId);
    if (!task) throw new ProblemException(404, 'not-found', 'Not Found', `task ${taskId} was not found`);
    await this.delivery.send(request, reply, await this.results.resolve(task));
  }
}
