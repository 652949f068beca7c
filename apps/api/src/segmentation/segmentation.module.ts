import { Module } from '@nestjs/common';
import { SegmentationController } from './segmentation.controller';
import { SegmentationRefreshService } from './segmentation-refresh.service';
import { SegmentationService } from './segmentation.service';

/** Re-segmentation runs and published persona sets. */
@Module({ controllers: [SegmentationController], providers: [SegmentationService, SegmentationRefreshService] })
export class SegmentationModule {}
