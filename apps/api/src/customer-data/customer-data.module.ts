import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { CustomerDataController } from './customer-data.controller';
import { CustomerDataService } from './customer-data.service';

/** Customer data requests: export and erasure (admin). */
@Module({ imports: [CustomersModule], controllers: [CustomerDataController], providers: [CustomerDataService] })
export class CustomerDataModule {}
