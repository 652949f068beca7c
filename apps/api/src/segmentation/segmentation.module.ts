import { Module } from '@nestjs/common';
import { SegmentationController } from './segmentation.controller';
import { SegmentationRefreshService } from './segmentation-refresh.service';

/** Re-segmentation runs and published persona sets. */
@Module({ controllers: [SegmentationController], providers: [SegmentationRefreshService] })
export class SegmentationModule {}
