import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { AttributeType, ConflictError, SegmentationRun } from '@corridor/domain';
import { REFRESH_BEHAVIOUR } from '@corridor/contracts';
import { enqueueAfterCommit, JobProducer } from '@corridor/jobs';
import { PersonaSetRepository, SegmentationStore, SegmentationWatchStore } from '@corridor/persistence';

/**
 * An admin's refresh, started here rather than queued, so the answer can say what happened: the
 * run it started, or that a full run in progress made it unnecessary (the worker's scheduled
 * refresh does the same and logs it).
 */
@Injectable()
export class SegmentationRefreshService {
  private readonly logger = new Logger(SegmentationRefreshService.name);

  constructor(
    private readonly sets: PersonaSetRepository,
    private readonly store: SegmentationStore,
    private readonly watch: SegmentationWatchStore,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  async start(): Promise<{ setVersion: number; run: SegmentationRun }> {
    const live = await this.sets.live();
    const started = await this.store.publish(
      { members: live.members, catalog: live.catalog.map((c) => ({ ...c, type: c.type as AttributeType })) },
      { timeZone: live.timeZone, publishedBy: null, chunkSize: this.config.SEGMENTATION_CHUNK_SIZE, now: new Date(), reason: 'refresh' },
    );
    if (!started) {
      const running = await this.watch.runningFullRun();
      throw new ConflictError(
        `Nothing started: run ${running ?? '(just finished)'} is re-segmenting everyone now; refresh again after it, if needed`,
        [],
        'RUN_IN_PROGRESS',
      );
    }
    // The run is committed: with Redis away the watchdog queues it later, and the answer says it started
    // (a 503 here would leave the client's retry facing 409 RUN_IN_PROGRESS for a run it was told failed).
    const { plan } = started;
    await enqueueAfterCommit('run', { runId: plan.run.id }, () => this.jobs.enqueueSegmentationRun(plan.run.id, plan.chunks));
    // Behavioural values the calendar moved: the worker recomputes them and re-evaluates who
    // changed, which a running full run also takes (evaluateIncrementally's overrides). The
    // scheduled refresh recomputes them before its run instead.
    await this.jobs.enqueue(REFRESH_BEHAVIOUR, {}).catch((e: Error) => {
      this.logger.warn({ msg: 'could not queue the behaviour refresh; the next scheduled refresh does it', err: e.message });
    });
    return { setVersion: started.set.version, run: started.plan.run };
  }
}
