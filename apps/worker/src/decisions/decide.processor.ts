import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '@corridor/config';
import { DECIDE_EVENT, DECIDE_EVENTS, QUEUE, TOUCHPOINT_EVENT_JOBS } from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { DecisionsService } from './decisions.service';

/**
 * The touchpoint-events queue: one decision per (event, touchpoint), latency-sensitive, its own
 * queue. The relay sends batches (DECIDE_EVENTS); the reconciler and tests single events.
 */
@Processor(QUEUE.touchpointEvents, { concurrency: 4 })
export class DecideProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly decisions: DecisionsService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    applyQueueConcurrency(this.worker, QUEUE.touchpointEvents, this.config);
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.touchpointEvents, TOUCHPOINT_EVENT_JOBS, [
      bind(DECIDE_EVENT, async (p) => {
        const r = await this.decisions.decideEvent(p.eventId, undefined, p);
        return r ? { decisionId: r.decisionId, created: r.created } : { missing: true };
      }),
      bind(DECIDE_EVENTS, async (p) => {
        const rs = await this.decisions.decideEvents(p.eventIds, undefined, p);
        return { created: rs.filter((r) => r?.created).length, existing: rs.filter((r) => r && !r.created).length, missing: rs.filter((r) => !r).length };
      }),
    ]);
  }

  process(job: Job, token?: string): Promise<unknown> {
    return this.dispatcher.dispatch(job, token);
  }
}
