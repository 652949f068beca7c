import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { AppConfig } from '@corridor/config';
import { MAINTAIN_PARTITIONS, MEASURE_JOBS, QUEUE, ROLLUP_MEASURES } from '@corridor/contracts';
import { JobSchedules } from '@corridor/jobs';
import { MeasureStore, PartitionMaintenance, PartitionStore } from '@corridor/persistence';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';

/** Deltas folded per transaction: a backlog is worked off in bounded steps. */
const ROLLUP_BATCH = 100_000;
/** One job folds at most this many batches, so a huge backlog does not hold the queue for long. */
const ROLLUP_MAX_BATCHES = 20;
/** Monthly partitions kept ready ahead of the current month (the migration made as many). */
const PARTITION_MONTHS_AHEAD = 2;

/** The measures queue: the periodic rollup of the counters' deltas into daily rows, and the event tables' partitions and retention. */
@Processor(QUEUE.measures, { concurrency: 1 })
export class MeasuresProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('measures');
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly store: MeasureStore,
    private readonly partitions: PartitionStore,
    private readonly schedules: JobSchedules,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    applyQueueConcurrency(this.worker, QUEUE.measures, this.config);
    await this.schedules.ensureMeasures({ onlyMissing: false });
    await this.schedules.ensurePartitionMaintenance({ onlyMissing: false });
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.measures, MEASURE_JOBS, [
      bind(ROLLUP_MEASURES, () => this.rollup()),
      bind(MAINTAIN_PARTITIONS, () => this.maintainPartitions()),
    ]);
  }

  process(job: Job, token?: string): Promise<unknown> {
    return this.dispatcher.dispatch(job, token);
  }

  private async rollup(): Promise<{ folded: number }> {
    let folded = 0;
    for (let i = 0; i < ROLLUP_MAX_BATCHES; i++) {
      const n = await this.store.rollup(ROLLUP_BATCH);
      folded += n;
      if (n < ROLLUP_BATCH) break;
    }
    if (folded > 0) this.logger.debug({ folded }, 'measure deltas folded');
    return { folded };
  }

  private async maintainPartitions(): Promise<PartitionMaintenance> {
    const done = await this.partitions.maintain(new Date(), { retentionDays: this.config.EVENT_RETENTION_DAYS, monthsAhead: PARTITION_MONTHS_AHEAD });
    if (done.created.length || done.dropped.length) this.logger.log({ msg: 'event partitions maintained', ...done });
    return done;
  }
}
