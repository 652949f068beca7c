import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { AppConfig } from '@corridor/config';
import { DISPATCH_DELIVERIES, DISPATCH_DELIVERY, QUEUE, TREATMENT_DISPATCH_JOBS } from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { DispatchService } from './dispatch.service';

/**
 * The treatment-dispatch queue: first attempts in batches from the relay (DISPATCH_DELIVERIES), then
 * one attempt per job (DISPATCH_DELIVERY); deliveries wait behind nothing else.
 */
@Processor(QUEUE.treatmentDispatch, { concurrency: 4, lockDuration: 120_000 })
export class DispatchProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly dispatch: DispatchService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    applyQueueConcurrency(this.worker, QUEUE.treatmentDispatch, this.config);
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.treatmentDispatch, TREATMENT_DISPATCH_JOBS, [
      bind(DISPATCH_DELIVERY, async (p, job, token) => {
        const result = await this.dispatch.dispatch(p.deliveryId, p);
        if (result.status === 'not_due') {
          // Held for quiet hours or backing off: this job comes back at the delivery's time
          // (BullMQ's DelayedError: no attempt is counted).
          await job.moveToDelayed(result.dueAt.getTime(), token);
          throw new DelayedError();
        }
        return result;
      }),
      bind(DISPATCH_DELIVERIES, async (p) => {
        const results = await this.dispatch.dispatchMany(p.deliveryIds, p);
        const count: Record<string, number> = {};
        for (const r of results.values()) count[r.status] = (count[r.status] ?? 0) + 1;
        return count;
      }),
    ]);
  }

  process(job: Job, token?: string): Promise<unknown> {
    return this.dispatcher.dispatch(job, token);
  }
}
