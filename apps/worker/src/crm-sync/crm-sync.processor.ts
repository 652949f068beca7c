import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { DomainError } from '@corridor/domain';
import { AppConfig } from '@corridor/config';
import { APPLY_WEBHOOK_EVENTS, CRM_SYNC_JOBS, QUEUE, SYNC_CONNECTION } from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { CrmSyncService } from './crm-sync.service';
import { WebhookEventsService } from './webhook-events.service';

/**
 * The crm-sync queue: connection syncs (scheduled, manual, first) and webhook event batches.
 * A long sync holds its job lock; the lease in sync_runs is what keeps two workers apart.
 */
@Processor(QUEUE.crmSync, { concurrency: 4, lockDuration: 60_000, maxStalledCount: 5 })
export class CrmSyncProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly sync: CrmSyncService,
    private readonly webhooks: WebhookEventsService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    applyQueueConcurrency(this.worker, QUEUE.crmSync, this.config);
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.crmSync, CRM_SYNC_JOBS, [
      bind(SYNC_CONNECTION, async (p, job) => {
        try {
          const run = await this.sync.sync(p);
          return run ? { runId: run.id, status: run.status } : { skipped: true };
        } catch (e) {
          // A manual run belongs to its job: when the job fails for good, so does the run, or it would
          // stay `running` and refuse every new manual sync (409). A scheduled run is resumed by the next tick.
          if (p.runId && isFinalAttempt(job, e)) await this.sync.failRunForGood(p.runId, e);
          throw e;
        }
      }),
      bind(APPLY_WEBHOOK_EVENTS, (p) => this.webhooks.applyPending(p.connectionId)),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(job);
  }
}

/** Whether BullMQ will not run this job again after `error`: a permanent error, or its last attempt. */
function isFinalAttempt(job: Job, error: unknown): boolean {
  if (error instanceof DomainError && !error.transient) return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
