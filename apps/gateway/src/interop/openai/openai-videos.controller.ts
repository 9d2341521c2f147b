import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { TERMINAL_STATUSES } from '@app/contracts';
import { CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import type { Principal } from '../../auth/principal.js';
import { RateLimit } from '../../guards/throttle/rate-limit.decorator.js';
import { ResultDelivery } from '../../results/result-delivery.js';
import { ResultSubmission } from '../../results/result-submission.js';
import { ProblemException, validationProblem } from '../../problem/problem.js';
import { ImageInputService } from '../../video/image-input.js';
import { readForm } from '../../video/multipart-form.js';
import { TaskIdPipe } from '../../video/task-id.pipe.js';
import { VideoService } from '../../video/video.service.js';
import { CompatSubmission } from '../shared/compat-submission.js';
import { TaskRemoval } from '../shared/task-removal.js';
import { TaskPages } from '../shared/task-pages.js';
import {
  OpenAiCreateVideoDto,
  OpenAiErrorDto,
  OpenAiImageReferenceDto,
  OpenAiVideoDeletedDto,
  OpenAiVideoDto,
  OpenAiVideoListDto,
} from './dto/openai-video.dto.js';
import { OpenAiErrorFilter } from './openai-error.filter.js';
import { parseOpenAiListQuery, toOpenAiVideo, translateOpenAiCreate, type OpenAiVideo } from './openai-video.js';

/**
 * The OpenAI Videos API (what the openai SDKs, LiteLLM, vLLM-Omni and SGLang Diffusion speak) over the same
 * tasks as /api/video: the bearer token is our JWT, errors come in OpenAI's shape.
 */
@ApiTags('openai')
@ApiBearerAuth()
@ApiExtraModels(OpenAiImageReferenceDto)
@ApiResponse({ status: 401, description: 'Missing or invalid bearer token', type: OpenAiErrorDto })
@UseFilters(OpenAiErrorFilter)
@Controller('v1/videos')
export class OpenAiVideosController {
  private readonly enabledModels: readonly string[];

  constructor(
    private readonly videos: VideoService,
    private readonly images: ImageInputService,
    private readonly pages: TaskPages,
    private readonly results: ResultDelivery,
    private readonly removal: TaskRemoval,
    private readonly submissions: ResultSubmission,
    private readonly compat: CompatSubmission,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.enabledModels = config.MODELS;
  }

  @Post()
  @HttpCode(200)
  @RateLimit('submit')
  @ApiOperation({ summary: 'Create a video job (JSON, or multipart/form-data with an input_reference image for image-to-video)' })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({ type: OpenAiCreateVideoDto })
  @ApiOkResponse({ type: OpenAiVideoDto })
  @ApiResponse({ status: 400, description: 'A parameter is not valid; error.param names it', type: OpenAiErrorDto })
  @ApiResponse({ status: 429, description: 'Rate limit or queue full', type: OpenAiErrorDto })
  async create(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest): Promise<OpenAiVideo> {
    let input: Record<string, unknown>;
    let file: Buffer | undefined;
    if (request.isMultipart()) {
      const form = await readForm(request, { fileFields: ['input_reference'], maxFileBytes: this.images.limits.maxBytes });
      input = form.fields;
      file = form.files.get('input_reference');
    } else {
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationProblem([{ field: 'body', message: 'must be a JSON object' }]);
      input = body as Record<string, unknown>;
    }
    const create = translateOpenAiCreate(input, file, { defaultModel: this.config.DEFAULT_MODEL, enabledModels: this.enabledModels });
    const view = await this.compat.submit(principal, create, 'input_reference', request.headers);
    return toOpenAiVideo(await this.videos.findOwned(principal, view.taskId));
  }

  @Get()
  @RateLimit('status')
  @ApiOperation({ summary: "The caller's videos, a page at a time (cursor: after = last_id)" })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'after', required: false, schema: { type: 'string' }, description: 'The last id of the previous page' })
  @ApiQuery({ name: 'order', required: false, schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' }, description: 'By creation time' })
  @ApiOkResponse({ type: OpenAiVideoListDto })
  @ApiResponse({ status: 400, description: 'A query parameter is not valid', type: OpenAiErrorDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<OpenAiVideoListDto> {
    const parsed = parseOpenAiListQuery(query);
    if (Array.isArray(parsed)) throw validationProblem(parsed);
    const page = await this.pages.page(principal.owner, parsed);
    if (!page) throw validationProblem([{ field: 'after', message: `${parsed.after} is not one of your videos` }]);
    const data = (await Promise.all(page.tasks.map((task) => this.submissions.resolve(task)))).map(toOpenAiVideo);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
  }

  @Get(':videoId')
  @RateLimit('status')
  @ApiOperation({ summary: 'Status and metadata of a video job' })
  @ApiOkResponse({ type: OpenAiVideoDto })
  @ApiResponse({ status: 404, description: 'No such video, or not yours', type: OpenAiErrorDto })
  async retrieve(@CurrentPrincipal() principal: Principal, @Param('videoId', TaskIdPipe) videoId: string): Promise<OpenAiVideo> {
    return toOpenAiVideo(await this.videos.findOwned(principal, videoId));
  }

  @Delete(':videoId')
  @RateLimit('default')
  @ApiOperation({ summary: 'Delete a finished video and its file; a queued one is cancelled and deleted; a running one gets a cancel and 409' })
  @ApiOkResponse({ type: OpenAiVideoDeletedDto })
  @ApiResponse({ status: 404, description: 'No such video, or not yours', type: OpenAiErrorDto })
  @ApiResponse({ status: 409, description: 'The video is being generated: cancellation was requested; delete it once it has failed', type: OpenAiErrorDto })
  async delete(@CurrentPrincipal() principal: Principal, @Param('videoId', TaskIdPipe) videoId: string): Promise<OpenAiVideoDeletedDto> {
    let task = await this.videos.findOwned(principal, videoId);
    if (!TERMINAL_STATUSES.has(task.status)) {
      const { accepted } = await this.videos.cancel(principal, videoId);
      if (accepted) {
        throw new ProblemException(409, 'video-in-progress', 'Conflict', `video ${videoId} is being generated: it is being cancelled; delete it once its status is failed`);
      }
      task = await this.videos.findOwned(principal, videoId);
    }
    await this.removal.remove(task);
    return { id: videoId, object: 'video.deleted', deleted: true };
  }

  @Get(':videoId/content')
  @RateLimit('status')
  @ApiOperation({ summary: 'Download the MP4 (Range requests answered)' })
  @ApiQuery({ name: 'variant', required: false, schema: { type: 'string', enum: ['video'], default: 'video' }, description: 'Only the video is kept (no thumbnail or spritesheet)' })
  @ApiProduces('video/mp4')
  @ApiOkResponse({ description: 'The video', content: { 'video/mp4': { schema: { type: 'string', format: 'binary' } } } })
  @ApiResponse({ status: 404, description: 'No such video, or not yours', type: OpenAiErrorDto })
  @ApiResponse({ status: 409, description: 'Not completed yet', type: OpenAiErrorDto })
  async content(
    @CurrentPrincipal() principal: Principal,
    @Param('videoId', TaskIdPipe) videoId: string,
    @Query('variant') variant: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (variant !== undefined && variant !== 'video') {
      throw validationProblem([{ field: 'variant', message: 'only the video variant is kept here', allowed: 'video' }]);
    }
    await this.results.send(request, reply, await this.videos.findOwned(principal, videoId));
  }
}
