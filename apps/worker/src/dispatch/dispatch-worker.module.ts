import { Module } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { CrmConnectorFactory, CrmModule, CrmTreatmentSender } from '@corridor/crm';
import { WebhookSender } from '@corridor/destinations';
import { DestinationAllowList } from '@corridor/domain';
import { ConnectionRepository, DispatchStore } from '@corridor/persistence';
import { DestinationThrottles } from './destination-throttle';
import { DispatchProcessor } from './dispatch.processor';
import { DispatchService, TREATMENT_SENDERS } from './dispatch.service';

@Module({
  imports: [CrmModule],
  providers: [
    DestinationThrottles,
    {
      provide: TREATMENT_SENDERS,
      inject: [DispatchStore, DestinationThrottles, ConnectionRepository, CrmConnectorFactory, AppConfig],
      useFactory: (store: DispatchStore, throttles: DestinationThrottles, connections: ConnectionRepository, crm: CrmConnectorFactory, config: AppConfig) => [
        new WebhookSender({
          destination: (id) => store.destination(id),
          throttle: (d) => throttles.for(d),
          allow: new DestinationAllowList(config.destinationAllowedHosts),
        }),
        // One attempt per request: the dispatcher's retry policy (backoff, dead letters) governs,
        // not the connector's own retries.
        new CrmTreatmentSender({
          target: (customerId) => store.customerRecord(customerId),
          connector: async (connectionId) => crm.create(await connections.get(connectionId), { maxAttempts: 1 }),
        }),
      ],
    },
    DispatchService,
    DispatchProcessor,
  ],
  exports: [DispatchService],
})
export class DispatchWorkerModule {}
