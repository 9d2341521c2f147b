import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { TASK_ID_PATTERN } from '@app/contracts';
import { CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import type { Principal } from '../../auth/principal.js';
import { Public } from '../../auth/public.decorator.js';
import { RateLimit } from '../../guards/throttle/rate-limit.decorator.js';
import { ResultDelivery } from '../../results/result-delivery.js';
import { notFoundProblem, validationProblem } from '../../problem/problem.js';
import { ProblemDto } from '../../video/dto/task-status.dto.js';
import { VideoService } from '../../video/video.service.js';
import { CompatSubmission } from '../shared/compat-submission.js';
import { servedModel } from '../shared/served-model.js';
import { WanCancelledDto, WanHealthDto, WanRequestIdDto, WanStatusDto, WanSubmitDto, WanSubmittedDto } from './dto/wan.dto.js';
import { readRequestId, toWanStatus, translateWanSubmit, WAN_MODELS, type WanTaskStatus } from './wan-request.js';

/**
 * The Wan2.1 image-to-video API of seeds/001 under /compat/wan, on wan2.1-i2v-14b-720p (or -480p): a client
 * changes its base URL and adds `Authorization: Bearer <JWT>`. Errors are problem+json with its field names.
 */
@ApiTags('compat: Wan2.1')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid bearer token', type: ProblemDto })
@ApiResponse({ status: 503, description: 'No wan2.1-i2v model among MODELS', type: ProblemDto })
@Controller('compat/wan')
export class WanController {
  private readonly baseUrl: string;

  constructor(
    private readonly videos: VideoService,
    private readonly compat: CompatSubmission,
    private readonly results: ResultDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.baseUrl = config.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? '';
  }

  @Get('health')
  @Public()
  @ApiOperation({ summary: 'Liveness, as the Wan API answered it' })
  @ApiOkResponse({ type: WanHealthDto })
  health(): WanHealthDto {
    return { status: 'healthy' };
  }

  @Post('video/submit')
  @HttpCode(202)
  @RateLimit('submit')
  @ApiOperation({ summary: 'Submit an image-to-video job; the gateway fetches image_url' })
  @ApiBody({ type: WanSubmitDto })
  @ApiAcceptedResponse({ type: WanSubmittedDto })
  @ApiResponse({ status: 422, description: 'A field is out of range; `errors` names it', type: ProblemDto })
  async submit(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Headers() headers: IncomingHttpHeaders): Promise<WanSubmittedDto> {
    const profile = servedModel(this.config.MODELS, WAN_MODELS, 'Wan2.1 image-to-video');
    const view = await this.compat.submit(principal, translateWanSubmit(body, profile), 'image_url', headers);
    return { requestId: view.taskId };
  }

  @Post('video/status')
  @HttpCode(200)
  @RateLimit('status')
  @ApiOperation({ summary: 'Task status: InQueue | InProgress | Succeed | Failed | Cancelled' })
  @ApiBody({ type: WanRequestIdDto })
  @ApiOkResponse({ type: WanStatusDto })
  @ApiResponse({ status: 404, description: 'No such task, or not yours', type: ProblemDto })
  async status(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<WanTaskStatus> {
    const id = readRequestId(body);
    if (Array.isArray(id)) throw validationProblem(id);
    return toWanStatus(await this.videos.status(principal, id), this.baseUrl);
  }

  @Post('video/cancel')
  @HttpCode(200)
  @RateLimit('default')
  @ApiOperation({ summary: 'Cancel: a queued task leaves the queue, a running one stops at its next step' })
  @ApiBody({ type: WanRequestIdDto })
  @ApiOkResponse({ type: WanCancelledDto })
  @ApiResponse({ status: 404, description: 'No such task, or not yours', type: ProblemDto })
  @ApiResponse({ status: 409, description: 'The task has already finished', type: ProblemDto })
  async cancel(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<WanCancelledDto> {
    const id = readRequestId(body);
    if (Array.isArray(id)) throw validationProblem(id);
    await this.videos.cancel(principal, id);
    return { status: 'Cancelled' };
  }

  @Get('videos/:file')
  @RateLimit('status')
  @ApiOperation({ summary: 'Download the video of a Succeed task: results.video_url ({requestId}.mp4)' })
  @ApiProduces('video/mp4')
  @ApiOkResponse({ description: 'The video', content: { 'video/mp4': { schema: { type: 'string', format: 'binary' } } } })
  @ApiResponse({ status: 404, description: 'No such task, or not yours', type: ProblemDto })
  @ApiResponse({ status: 409, description: 'The task has not succeeded', type: ProblemDto })
  async video(@CurrentPrincipal() principal: Principal, @Param('file') file: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const id = file.replace(/\.mp4$/, '');
    if (!TASK_ID_PATTERN.test(id)) throw notFoundProblem(`video ${file}`);
    await this.results.send(request, reply, await this.videos.findOwned(principal, id));
  }
}
