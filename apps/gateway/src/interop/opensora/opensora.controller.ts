import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { OPENSORA_2_0 } from '@app/policies';
import { CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import type { Principal } from '../../auth/principal.js';
import { Public } from '../../auth/public.decorator.js';
import { RateLimit } from '../../guards/throttle/rate-limit.decorator.js';
import { ResultDelivery } from '../../results/result-delivery.js';
import { ProblemDto } from '../../video/dto/task-status.dto.js';
import { TaskIdPipe } from '../../video/task-id.pipe.js';
import { VideoService } from '../../video/video.service.js';
import { CompatSubmission } from '../shared/compat-submission.js';
import { servedModel } from '../shared/served-model.js';
import { OpenSoraGenerateDto, OpenSoraHealthDto, OpenSoraJobDto, OpenSoraSubmittedDto } from './dto/opensora.dto.js';
import { toOpenSoraJob, translateOpenSoraGenerate, type OpenSoraJob } from './opensora-request.js';

/**
 * The Open-Sora job API of seeds/000 under /compat/opensora, on opensora-2.0: a client of that service
 * changes its base URL and adds `Authorization: Bearer <JWT>`. Errors are problem+json with its field names.
 */
@ApiTags('compat: Open-Sora')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or invalid bearer token', type: ProblemDto })
@ApiResponse({ status: 503, description: 'opensora-2.0 is not among MODELS', type: ProblemDto })
@Controller('compat/opensora')
export class OpenSoraController {
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
  @ApiOperation({ summary: 'Liveness, as the Open-Sora API answered it' })
  @ApiOkResponse({ type: OpenSoraHealthDto })
  health(): OpenSoraHealthDto {
    return { status: 'ok', time: new Date().toISOString() };
  }

  @Post('v1/generate')
  @HttpCode(202)
  @RateLimit('submit')
  @ApiOperation({ summary: 'Submit a generation job (opensora-2.0)' })
  @ApiBody({ type: OpenSoraGenerateDto })
  @ApiAcceptedResponse({ type: OpenSoraSubmittedDto })
  @ApiResponse({ status: 422, description: 'A field is out of range; `errors` names it', type: ProblemDto })
  async generate(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Headers() headers: IncomingHttpHeaders): Promise<OpenSoraSubmittedDto> {
    const profile = servedModel(this.config.MODELS, [OPENSORA_2_0.id], 'Open-Sora');
    const view = await this.compat.submit(principal, translateOpenSoraGenerate(body, profile), 'image_url', headers);
    return { job_id: view.taskId, message: '任务已提交' };
  }

  @Get('v1/jobs/:jobId')
  @RateLimit('status')
  @ApiOperation({ summary: 'Job status: pending | processing | completed | failed' })
  @ApiOkResponse({ type: OpenSoraJobDto })
  @ApiResponse({ status: 404, description: 'No such job, or not yours', type: ProblemDto })
  async job(@CurrentPrincipal() principal: Principal, @Param('jobId', TaskIdPipe) jobId: string): Promise<OpenSoraJob> {
    return toOpenSoraJob(await this.videos.status(principal, jobId), this.baseUrl);
  }

  @Get('v1/videos/:jobId')
  @RateLimit('status')
  @ApiOperation({ summary: 'Download the video as {job_id}.mp4 (Range requests answered)' })
  @ApiProduces('video/mp4')
  @ApiOkResponse({ description: 'The video', content: { 'video/mp4': { schema: { type: 'string', format: 'binary' } } } })
  @ApiResponse({ status: 404, description: 'No such job, or not yours', type: ProblemDto })
  @ApiResponse({ status: 409, description: 'The job has not completed', type: ProblemDto })
  @ApiResponse({ status: 410, description: 'The video has expired', type: ProblemDto })
  async video(
    @CurrentPrincipal() principal: Principal,
    @Param('jobId', TaskIdPipe) jobId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.results.send(request, reply, await this.videos.findOwned(principal, jobId));
  }
}
