import { Module } from '@nestjs/common';
import { OutcomeCallbacksController, OutcomesController } from './outcomes.controller';
import { OutcomesService } from './outcomes.service';

/** Outcomes and feedback in: the API and destinations' signed callbacks. */
@Module({ controllers: [OutcomesController, OutcomeCallbacksController], providers: [OutcomesService] })
export class OutcomesModule {}
