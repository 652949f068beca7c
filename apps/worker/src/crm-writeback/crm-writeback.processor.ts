import { OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { CRM_WRITEBACK_JOBS, PERSONA_CHANGES, QUEUE, WRITEBACK_CONNECTION } from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { CrmWritebackService } from './crm-writeback.service';

/** The crm-writeback queue: persona-change notices fan out to per-connection write-backs. */
@Processor(QUEUE.crmWriteback, { concurrency: 2, lockDuration: 120_000 })
export class CrmWritebackProcessor extends WorkerHost implements OnModuleInit {
  private dispatcher!: ContractDispatcher;

  constructor(private readonly writeback: CrmWritebackService) {
    super();
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.crmWriteback, CRM_WRITEBACK_JOBS, [
      bind(PERSONA_CHANGES, (p) => this.writeback.fanOut(p.toHistoryId)),
      bind(WRITEBACK_CONNECTION, (p) => this.writeback.writeConnection(p.connectionId)),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(job);
  }
}
