import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '@corridor/config';
import { INFER_IGNORED, OUTCOME_SWEEP_JOBS, QUEUE } from '@corridor/contracts';
import { JobSchedules } from '@corridor/jobs';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { IgnoredInferenceService } from './ignored-inference.service';

/** The outcome-sweeps queue: periodic bulk work over outcomes, apart from the customer-facing `outcomes` queue. */
@Processor(QUEUE.outcomeSweeps, { concurrency: 1, lockDuration: 120_000 })
export class OutcomeSweepsProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly ignored: IgnoredInferenceService,
    private readonly config: AppConfig,
    private readonly schedules: JobSchedules,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    applyQueueConcurrency(this.worker, QUEUE.outcomeSweeps, this.config);
    // Every worker process upserts the same scheduler id, so there is one schedule.
    await this.schedules.ensureOutcomeSweeps({ onlyMissing: false });
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.outcomeSweeps, OUTCOME_SWEEP_JOBS, [
      bind(INFER_IGNORED, (p) => this.ignored.sweep(p.asOf ? new Date(p.asOf) : undefined)),
    ]);
  }

  process(job: Job, token?: string): Promise<unknown> {
    return this.dispatcher.dispatch(job, token);
  }
}
