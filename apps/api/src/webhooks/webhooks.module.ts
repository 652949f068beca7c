import { Module } from '@nestjs/common';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Inbound CRM webhooks (HubSpot signature v3, Salesforce change relay). */
@Module({ controllers: [WebhooksController], providers: [WebhooksService] })
export class WebhooksModule {}
