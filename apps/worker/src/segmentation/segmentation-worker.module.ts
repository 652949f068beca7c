import { Module } from '@nestjs/common';
import { BehaviourService } from './behaviour.service';
import { IncrementalSegmentationService } from './incremental-segmentation.service';
import { PersonaChangeNotifier } from './persona-change.notifier';
import { SegmentationProcessor } from './segmentation.processor';
import { SegmentationLiveProcessor } from './segmentation-live.processor';
import { SegmentationRunsService } from './segmentation-runs.service';

@Module({
  providers: [BehaviourService, PersonaChangeNotifier, SegmentationRunsService, IncrementalSegmentationService, SegmentationProcessor, SegmentationLiveProcessor],
  // BehaviourService: the experience processor refreshes a customer's behaviour after their feedback.
  exports: [IncrementalSegmentationService, BehaviourService],
})
export class SegmentationWorkerModule {}
