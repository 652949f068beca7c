import { Module } from '@nestjs/common';
import { CrmModule } from '@corridor/crm';
import { ConnectionsController } from './connections.controller';
import { ConnectionsService } from './connections.service';
import { CrmAddressChecker } from './crm-address.checker';

/** CRM connections admin API: add, test, update, remove, sync now, sync history. */
@Module({ imports: [CrmModule], controllers: [ConnectionsController], providers: [ConnectionsService, CrmAddressChecker] })
export class ConnectionsModule {}
