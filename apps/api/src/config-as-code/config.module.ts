import { Module } from '@nestjs/common';
import { ConfigController } from './config.controller';
import { ConfigApplyService } from './config-apply.service';

/** Configuration as code: read and apply the whole configuration document. */
@Module({ controllers: [ConfigController], providers: [ConfigApplyService] })
export class ConfigAsCodeModule {}
