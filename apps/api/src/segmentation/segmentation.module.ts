import { Module } from '@nestjs/common';
import { SegmentationController } from './segmentation.controller';

/** Re-segmentation runs and published persona sets. */
@Module({ controllers: [SegmentationController] })
export class SegmentationModule {}
