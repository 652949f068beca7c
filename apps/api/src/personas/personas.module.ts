import { Module } from '@nestjs/common';
import { PersonasController } from './personas.controller';
import { PersonasService } from './personas.service';

/** The persona draft, its validation, previews and publishing. */
@Module({ controllers: [PersonasController], providers: [PersonasService] })
export class PersonasModule {}
