import { Module } from '@nestjs/common';
import { VideoModule } from '../video/video.module.js';
import { OpenAiVideosController } from './openai/openai-videos.controller.js';
import { OpenSoraController } from './opensora/opensora.controller.js';
import { CompatSubmission } from './shared/compat-submission.js';
import { TaskPages } from './shared/task-pages.js';
import { TaskRemoval } from './shared/task-removal.js';
import { WanController } from './wan/wan.controller.js';

/**
 * APIs that existing clients already speak, as thin translations onto VideoService (same auth, throttling,
 * validation, cache, fleet and storage): the OpenAI Videos API at /v1/videos, the Open-Sora job API at
 * /compat/opensora and the Wan2.1 API at /compat/wan.
 */
@Module({
  imports: [VideoModule],
  controllers: [OpenAiVideosController, OpenSoraController, WanController],
  providers: [CompatSubmission, TaskPages, TaskRemoval],
})
export class InteropModule {}
