import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '@corridor/config';
import { OUTCOME_JOBS, QUEUE, REACT_TO_FEEDBACK, REFRESH_EXPERIENCE } from '@corridor/contracts';
import { JobSchedules } from '@corridor/jobs';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { ExperienceRefresh } from './experience-refresh.service';
import { ExperienceService } from './experience.service';

/**
 * The outcomes queue: reactions to feedback (a customer's experience, service recovery), which a
 * customer may be waiting on, and the daily refresh of scores whose window dropped feedback.
 */
@Processor(QUEUE.outcomes, { concurrency: 4 })
export class OutcomesProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly experience: ExperienceService,
    private readonly refresh: ExperienceRefresh,
    private readonly schedules: JobSchedules,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    applyQueueConcurrency(this.worker, QUEUE.outcomes, this.config);
    // Every worker process upserts the same scheduler id, so there is one schedule.
    await this.schedules.ensureExperience({ onlyMissing: false });
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.outcomes, OUTCOME_JOBS, [
      bind(REACT_TO_FEEDBACK, (p, job) => this.experience.react(p.outcomeId, { notifyAnyway: job.attemptsMade > 0 })),
      bind(REFRESH_EXPERIENCE, () => this.refresh.run()),
    ]);
  }

  process(job: Job, token?: string): Promise<unknown> {
    return this.dispatcher.dispatch(job, token);
  }
}
