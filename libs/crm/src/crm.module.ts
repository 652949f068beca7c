import { Module } from '@nestjs/common';
import { CrmConnectorFactory } from './crm-connector.factory';

/** The CRM adapters for an app: a factory that builds a connection's connector. */
@Module({
  providers: [CrmConnectorFactory],
  exports: [CrmConnectorFactory],
})
export class CrmModule {}
