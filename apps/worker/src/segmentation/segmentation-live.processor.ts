import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { AppConfig } from '@corridor/config';
import { BEHAVIOUR_EVENTS, EVALUATE_CUSTOMERS, QUEUE, SEGMENTATION_LIVE_JOBS } from '@corridor/contracts';
import { Job } from 'bullmq';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { BehaviourService } from './behaviour.service';
import { IncrementalSegmentationService } from './incremental-segmentation.service';

/**
 * The segmentation-live queue: incremental evaluation of customers whose data changed. A queue of
 * its own, with its own workers, so a customer's re-evaluation never waits behind the chunks of a
 * full re-segmentation (which may hold every `segmentation` worker for minutes).
 */
@Processor(QUEUE.segmentationLive, { concurrency: 4 })
export class SegmentationLiveProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(SegmentationLiveProcessor.name);
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly incremental: IncrementalSegmentationService,
    private readonly behaviour: BehaviourService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    applyQueueConcurrency(this.worker, QUEUE.segmentationLive, this.config);
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.segmentationLive, SEGMENTATION_LIVE_JOBS, [
      bind(EVALUATE_CUSTOMERS, (p) => this.incremental.evaluate(p.customerIds, p.cause)),
      bind(BEHAVIOUR_EVENTS, (p) => this.behaviour.eventsRecorded(p.eventIds)),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(job);
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn({ msg: 'segmentation-live worker error', error: error.message });
  }
}
