import { Module } from '@nestjs/common';
import { AttributesController } from './attributes.controller';
import { AttributesService } from './attributes.service';

/** The attribute catalog over HTTP: agents read it, admins define custom attributes. */
@Module({ controllers: [AttributesController], providers: [AttributesService] })
export class AttributesModule {}
