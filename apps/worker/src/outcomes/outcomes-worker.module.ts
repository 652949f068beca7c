import { Module } from '@nestjs/common';
import { BehaviourService } from '../segmentation/behaviour.service';
import { SegmentationWorkerModule } from '../segmentation/segmentation-worker.module';
import { ExperienceRefresh } from './experience-refresh.service';
import { EXPERIENCE_CHANGED, ExperienceService, type ExperienceChangedListener } from './experience.service';
import { OutcomesProcessor } from './outcomes.processor';

/**
 * Reactions to outcomes: a customer's experience and service recovery (REACT_TO_FEEDBACK), the
 * daily refresh. A changed experience refreshes that customer's behavioural attributes (last
 * CSAT/NPS, experience score), which re-evaluates the customer when a value moved.
 */
@Module({
  imports: [SegmentationWorkerModule],
  providers: [
    ExperienceService,
    ExperienceRefresh,
    OutcomesProcessor,
    {
      provide: EXPERIENCE_CHANGED,
      inject: [BehaviourService],
      useFactory: (behaviour: BehaviourService): ExperienceChangedListener => ({
        experienceChanged: async (customerIds) => {
          await behaviour.refreshCustomers(customerIds);
        },
      }),
    },
  ],
  exports: [ExperienceService],
})
export class OutcomesWorkerModule {}
