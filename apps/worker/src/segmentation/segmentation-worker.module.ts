import { Module } from '@nestjs/common';
import { IncrementalSegmentationService } from './incremental-segmentation.service';
import { PersonaChangeNotifier } from './persona-change.notifier';
import { SegmentationProcessor } from './segmentation.processor';
import { SegmentationLiveProcessor } from './segmentation-live.processor';
import { SegmentationRunsService } from './segmentation-runs.service';

@Module({
  providers: [PersonaChangeNotifier, SegmentationRunsService, IncrementalSegmentationService, SegmentationProcessor, SegmentationLiveProcessor],
  exports: [IncrementalSegmentationService],
})
export class SegmentationWorkerModule {}
