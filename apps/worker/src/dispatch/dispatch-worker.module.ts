import { Module } from '@nestjs/common';
import { CrmModule } from '@corridor/crm';
import { WebhookSender } from '@corridor/destinations';
import { DispatchStore } from '@corridor/persistence';
import { DestinationThrottles } from './destination-throttle';
import { DispatchProcessor } from './dispatch.processor';
import { DispatchService, TREATMENT_SENDERS } from './dispatch.service';

@Module({
  imports: [CrmModule],
  providers: [
    DestinationThrottles,
    {
      provide: TREATMENT_SENDERS,
      inject: [DispatchStore, DestinationThrottles],
      useFactory: (store: DispatchStore, throttles: DestinationThrottles) => [
        new WebhookSender({ destination: (id) => store.destination(id), throttle: (d) => throttles.for(d) }),
      ],
    },
    DispatchService,
    DispatchProcessor,
  ],
  exports: [DispatchService],
})
export class DispatchWorkerModule {}
