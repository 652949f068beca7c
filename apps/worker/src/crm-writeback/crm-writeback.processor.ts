import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { AppConfig } from '@corridor/config';
import { CRM_WRITEBACK_JOBS, PERSONA_CHANGES, QUEUE, WRITEBACK_CONNECTION } from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { CrmWritebackService } from './crm-writeback.service';

const BUSY_RETRY_MS = 2_000;

/** The crm-writeback queue: persona-change notices fan out to per-connection write-backs. */
@Processor(QUEUE.crmWriteback, { concurrency: 2, lockDuration: 120_000 })
export class CrmWritebackProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly writeback: CrmWritebackService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    applyQueueConcurrency(this.worker, QUEUE.crmWriteback, this.config);
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.crmWriteback, CRM_WRITEBACK_JOBS, [
      bind(PERSONA_CHANGES, (p) => this.writeback.fanOut(p.toHistoryId)),
      bind(WRITEBACK_CONNECTION, async (p, job, token) => {
        const result = await this.writeback.writeConnection(p.connectionId);
        if (result !== 'busy' && result.blocked) {
          // Blocked (fields missing): the job that asked the CRM comes back at the re-check time, so
          // write-back resumes by itself once the fields exist; the others end here, quietly.
          if (!result.blocked.checked) return result;
          await job.moveToDelayed(result.blocked.recheckAt.getTime(), token);
          throw new DelayedError();
        }
        if (result !== 'busy' && !result.pending) return result;
        // Another process is writing this connection, or some changes belong to a transaction
        // that started before an older one still running: come back shortly, without counting
        // an attempt (BullMQ's DelayedError).
        await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
        throw new DelayedError();
      }),
    ]);
  }

  process(job: Job, token?: string): Promise<unknown> {
    return this.dispatcher.dispatch(job, token);
  }
}
