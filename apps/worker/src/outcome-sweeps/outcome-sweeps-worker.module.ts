import { Module } from '@nestjs/common';
import { IgnoredInferenceService } from './ignored-inference.service';
import { OutcomeSweepsProcessor } from './outcome-sweeps.processor';

/** Inferred `ignored` outcomes (and the pauses after them), on a schedule. */
@Module({ providers: [IgnoredInferenceService, OutcomeSweepsProcessor], exports: [IgnoredInferenceService] })
export class OutcomeSweepsWorkerModule {}
