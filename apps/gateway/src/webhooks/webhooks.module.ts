import { Module } from '@nestjs/common';
import { WebhookDelivery } from './webhook-delivery.js';

/** The gateway delivers the webhooks that either process queued (ResultLifecycle). */
@Module({ providers: [WebhookDelivery] })
export class WebhooksModule {}
