import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { CustomerStrategyController } from './customer-strategy.controller';
import { CustomerStrategyService } from './customer-strategy.service';

@Module({ imports: [CustomersModule], controllers: [CustomerStrategyController], providers: [CustomerStrategyService] })
export class CustomerStrategyModule {}
