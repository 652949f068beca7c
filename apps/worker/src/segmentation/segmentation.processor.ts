import { OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { EVALUATE_CUSTOMERS, QUEUE, RUN_CHUNK, RUN_FINALIZE, SEGMENTATION_JOBS } from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { IncrementalSegmentationService } from './incremental-segmentation.service';
import { SegmentationRunsService } from './segmentation-runs.service';

/**
 * The segmentation queue: chunks of full runs and previews, their finalize step, and incremental
 * evaluations. Concurrency > 1 lets one chunk's database time overlap another's evaluation.
 */
@Processor(QUEUE.segmentation, { concurrency: 4, lockDuration: 120_000, maxStalledCount: 3 })
export class SegmentationProcessor extends WorkerHost implements OnModuleInit {
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly runs: SegmentationRunsService,
    private readonly incremental: IncrementalSegmentationService,
  ) {
    super();
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.segmentation, SEGMENTATION_JOBS, [
      bind(RUN_CHUNK, (p) => this.runs.runChunk(p.runId, p.chunk)),
      bind(RUN_FINALIZE, (p) => this.runs.finalize(p.runId)),
      bind(EVALUATE_CUSTOMERS, (p) => this.incremental.evaluate(p.customerIds, p.cause)),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(job);
  }
}
