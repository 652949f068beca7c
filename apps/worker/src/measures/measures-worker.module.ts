import { Module } from '@nestjs/common';
import { MeasuresProcessor } from './measures.processor';

@Module({ providers: [MeasuresProcessor] })
export class MeasuresWorkerModule {}
