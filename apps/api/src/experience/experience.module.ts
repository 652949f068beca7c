import { Module } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { CustomerTimelineController, ExperienceSettingsController } from './experience.controller';
import { ExperienceApiService } from './experience.service';

/** One customer's experience: the score's settings and the journey timeline for agents. */
@Module({ imports: [CustomersModule], controllers: [ExperienceSettingsController, CustomerTimelineController], providers: [ExperienceApiService] })
export class ExperienceModule {}
