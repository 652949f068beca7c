import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { AppConfig } from '@corridor/config';
import { DISPATCH_DELIVERY, QUEUE } from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { DispatchService } from './dispatch.service';

/** The treatment-dispatch queue: one attempt per job; deliveries wait behind nothing else. */
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
    this.dispatcher = new ContractDispatcher(QUEUE.treatmentDispatch, [DISPATCH_DELIVERY], [
      bind(DISPATCH_DELIVERY, async (p, job, token) => {
        const result = await this.dispatch.dispatch(p.deliveryId);
        if (result.status === 'not_due') {
          // Held for quiet hours or backing off: this job comes back at the delivery's time
          // (BullMQ's DelayedError: no attempt is counted).
          await job.moveToDelayed(result.dueAt.getTime(), token);
          throw new DelayedError();
        }
        return result;
      }),
    ]);
  }

  process(job: Job, token?: string): Promise<unknown> {
    return this.dispatcher.dispatch(job, token);
  }
}
