import { Module } from '@nestjs/common';
import { DestinationAddressChecker } from './destination-address.checker';
import { DestinationsController } from './destinations.controller';
import { DestinationsService } from './destinations.service';

/** Webhook destinations admin API. */
@Module({ controllers: [DestinationsController], providers: [DestinationsService, DestinationAddressChecker], exports: [DestinationsService] })
export class DestinationsModule {}
