import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { StorageModule } from '@app/storage';
import { VideoModule } from '../video/video.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { IdempotencyKeys } from './idempotency.js';
import { ResultDelivery } from './result-delivery.js';
import { ResultSubmission } from './result-submission.js';
import { shareLinkSecret } from './secrets.js';
import { ShareController } from './share.controller.js';
import { ShareLinks } from './share-links.js';
import { TaskEventsController } from './task-events.controller.js';

/** Live events need VideoService; kept apart so the global results module does not import the video module. */
@Module({ imports: [VideoModule], controllers: [TaskEventsController] })
class TaskEventsModule {}

/**
 * The gateway's result layer: cache, coalescing, idempotency, share links, result delivery from the store,
 * live events and webhook delivery. Global, so the video service and the interop APIs can use it.
 */
@Global()
@Module({})
export class ResultsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ResultsModule,
      imports: [StorageModule.forRoot(config, 'gateway'), TaskEventsModule, WebhooksModule],
      controllers: [ShareController],
      providers: [
        {
          provide: ShareLinks,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => new ShareLinks(shareLinkSecret(c), c.SHARE_LINK_TTL_SECONDS, c.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? ''),
        },
        IdempotencyKeys,
        ResultSubmission,
        ResultDelivery,
      ],
      exports: [ShareLinks, IdempotencyKeys, ResultSubmission, ResultDelivery],
    };
  }
}
