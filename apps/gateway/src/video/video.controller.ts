import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { Principal } from '../auth/principal.js';
import { RateLimit } from '../guards/throttle/rate-limit.decorator.js';
import { ProblemException } from '../problem/problem.js';
import { ResultDelivery } from '../results/result-delivery.js';
import { submitPreferences } from '../results/submit-preferences.js';
import { GenerateVideoDto } from './dto/generate-video.dto.js';
import { ImageInputService } from './image-input.js';
import { ProblemDto, TaskStatusDto } from './dto/task-status.dto.js';
import { TaskIdPipe } from './task-id.pipe.js';
import type { TaskView } from './task-view.js';
import { VideoService } from './video.service.js';

@ApiTags('video')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid bearer token', type: ProblemDto })
@Controller('api/video')
export class VideoController {
  constructor(
    private readonly videos: VideoService,
    private readonly images: ImageInputService,
    private readonly delivery: ResultDelivery,
  ) {}

  @Post('generate')
  @HttpCode(202)
  @RateLimit('submit')
  @ApiOperation({ summary: 'Queue a text-to-video generation, or image-to-video with `imageUrl` (JSON) or an `image` file (multipart/form-data)' })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ type: GenerateVideoDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key, principal and request within 24 h: the first response again, nothing new created; another request with the key: 422' })
  @ApiHeader({ name: 'Cache-Control', required: false, description: '`no-cache`: render anew (no result cache, no sharing of an identical job in flight)' })
  @ApiAcceptedResponse({ type: TaskStatusDto, description: 'Queued; or COMPLETED at once with `cached: true` when the result cache answered (seeded requests)' })
  @ApiResponse({ status: 422, description: 'A field is out of range; `errors` names it and what is allowed', type: ProblemDto })
  async generate(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest): Promise<TaskView> {
    const read = this.images.readNativeSubmission(request);
    const { body, image } = read instanceof Promise ? await read : read;
    return this.videos.submit(principal, body, { image, results: submitPreferences(request.headers) });
  }

  @Get('status/:taskId')
  @RateLimit('status')
  @ApiOperation({ summary: 'Task status, progress, queue position, requested and effective parameters' })
  @ApiOkResponse({ type: TaskStatusDto })
  @ApiResponse({ status: 404, description: 'No such task, or not yours', type: ProblemDto })
  status(@CurrentPrincipal() principal: Principal, @Param('taskId', TaskIdPipe) taskId: string): Promise<TaskView> {
    return this.videos.status(principal, taskId);
  }

  @Get('result/:taskId')
  @RateLimit('status')
  @ApiOperation({ summary: 'Download the MP4 (Range requests answered with 206/416)' })
  @ApiProduces('video/mp4')
  @ApiOkResponse({ description: 'The video', content: { 'video/mp4': { schema: { type: 'string', format: 'binary' } } } })
  @ApiResponse({ status: 409, description: 'The task has not completed', type: ProblemDto })
  @ApiResponse({ status: 410, description: 'The result has expired (RESULT_RETENTION_SECONDS)', type: ProblemDto })
  async result(
    @CurrentPrincipal() principal: Principal,
    @Param('taskId', TaskIdPipe) taskId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const task = await this.videos.findOwned(principal, taskId);
    if (task.status === 'EXPIRED') throw new ProblemException(410, 'expired', 'Gone', `the result of task ${taskId} has expired`);
    if (task.status !== 'COMPLETED') {
      throw new ProblemException(409, 'not-ready', 'Conflict', `task ${taskId} is ${task.status}; the result exists once it is COMPLETED`);
    }
    await this.delivery.send(request, reply, task); // from the result store (local or S3), Range answered
  }

  @Delete(':taskId')
  @ApiOperation({ summary: 'Cancel: a pending task leaves the queue (200); a running one is stopped at the model service (202)' })
  @ApiOkResponse({ type: TaskStatusDto })
  @ApiAcceptedResponse({ type: TaskStatusDto })
  @ApiResponse({ status: 409, description: 'The task has already finished', type: ProblemDto })
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('taskId', TaskIdPipe) taskId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TaskView> {
    const { view, accepted } = await this.videos.cancel(principal, taskId);
    reply.status(accepted ? 202 : 200);
    return view;
  }
}
