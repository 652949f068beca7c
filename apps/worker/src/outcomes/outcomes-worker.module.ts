import { Module } from '@nestjs/common';
import { ExperienceRefresh } from './experience-refresh.service';
import { ExperienceService } from './experience.service';
import { OutcomesProcessor } from './outcomes.processor';

/**
 * Reactions to outcomes: a customer's experience and service recovery (REACT_TO_FEEDBACK), the
 * daily refresh. To hear which customers' experience changed, provide EXPERIENCE_CHANGED here.
 */
@Module({
  providers: [ExperienceService, ExperienceRefresh, OutcomesProcessor],
  exports: [ExperienceService],
})
export class OutcomesWorkerModule {}
