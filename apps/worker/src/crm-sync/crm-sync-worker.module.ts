import { Module } from '@nestjs/common';
import { CrmModule } from '@corridor/crm';
import { CrmSyncProcessor } from './crm-sync.processor';
import { CrmSyncService } from './crm-sync.service';
import { WebhookEventsService } from './webhook-events.service';

@Module({
  imports: [CrmModule],
  providers: [CrmSyncService, WebhookEventsService, CrmSyncProcessor],
  exports: [CrmSyncService, WebhookEventsService],
})
export class CrmSyncWorkerModule {}
