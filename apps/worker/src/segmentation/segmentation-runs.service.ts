import { Injectable, Logger, Optional } from '@nestjs/common';
import { AttributeType, compileSetSnapshot, countTransition, emptyCounts, LoadedPersonaSet, mergeCounts, movedCount, SegmentationRun } from '@corridor/domain';
import { AppConfig } from '@corridor/config';
import { JobProducer } from '@corridor/jobs';
import { WorkerMetrics } from '@corridor/observability';
import { ChunkOutcome, CustomerForEvaluation, PersonaSetRepository, SegmentationStore, SegmentationWatchStore, CompiledSetCache } from '@corridor/persistence';
import { BehaviourService } from './behaviour.service';
import { PersonaChangeNotifier } from './persona-change.notifier';

/**
 * Full re-segmentation and previews, chunk by chunk. Chunks run on any worker process; each one
 * streams its id range out of Postgres, evaluates the compiled set and writes the result in one
 * transaction. The finalize step runs once every chunk is done.
 */
@Injectable()
export class SegmentationRunsService {
  private readonly logger = new Logger(SegmentationRunsService.name);
  private readonly previewSets = new Map<string, LoadedPersonaSet>();

  constructor(
    private readonly store: SegmentationStore,
    private readonly watch: SegmentationWatchStore,
    private readonly sets: CompiledSetCache,
    private readonly notifier: PersonaChangeNotifier,
    private readonly personaSets: PersonaSetRepository,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
    private readonly behaviour: BehaviourService,
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {}

  /**
   * Re-applies the live set as a new version (reason `refresh`), unless a full run is already in
   * progress (it evaluates at about the same instant anyway); says which when it skips. First
   * recomputes the behavioural values the calendar moved (windows that lost events, days since),
   * so the run reads them as of `asOf`; when the run is skipped, those customers are re-evaluated
   * on the live path instead.
   */
  async refresh(asOf = new Date()): Promise<{ runId: string } | { runId: null; skipped: string; runningRunId: string | null }> {
    const { changed } = await this.behaviour.refreshDue(asOf, { evaluate: false });
    const result = await this.refreshRun(asOf);
    if (result.runId === null) await this.behaviour.queueEvaluation(changed);
    return result;
  }

  private async refreshRun(asOf: Date): Promise<{ runId: string } | { runId: null; skipped: string; runningRunId: string | null }> {
    const live = await this.personaSets.live();
    const started = await this.store.publish(
      { members: live.members, catalog: live.catalog.map((c) => ({ ...c, type: c.type as AttributeType })) },
      { timeZone: live.timeZone, publishedBy: null, chunkSize: this.config.SEGMENTATION_CHUNK_SIZE, now: asOf, reason: 'refresh' },
    );
    if (!started) {
      const runningRunId = await this.watch.runningFullRun();
      this.logger.warn({ msg: 'segments refresh skipped: a full run is in progress', runningRunId });
      return { runId: null, skipped: 'a full run is in progress', runningRunId };
    }
    await this.jobs.enqueueSegmentationRun(started.plan.run.id, started.plan.chunks);
    this.logger.log({ msg: 'segments refresh started', runId: started.plan.run.id, setVersion: started.set.version });
    return { runId: started.plan.run.id };
  }

  async runChunk(runId: string, chunk: number): Promise<void> {
    const started = Date.now();
    const result = await this.store.runChunk(runId, chunk, async (stream, run) => {
      const set = await this.setFor(run);
      const assign = set.compiled.bind({ now: run.evaluatedAt.getTime(), timeZone: set.timeZone });
      return run.kind === 'full' ? this.assignAll(stream, assign, set) : this.countAll(stream, assign, set);
    });
    if (result.status === 'skipped') return;
    this.metrics?.segmentationCustomers.inc(result.customers);
    this.metrics?.segmentationChunkSeconds.observe((Date.now() - started) / 1000);
    const run = await this.store.getRun(runId);
    this.logger.log({
      msg: 'segmentation chunk done',
      runId,
      chunk,
      customers: result.customers,
      ms: Date.now() - started,
      progress: run?.progress,
    });
  }

  private async assignAll(
    stream: (visit: (c: CustomerForEvaluation) => void) => Promise<number>,
    assign: (attributes: Record<string, unknown>) => number,
    set: LoadedPersonaSet,
  ): Promise<ChunkOutcome> {
    const customerIds: string[] = [];
    const personaIds: string[] = [];
    const perIndex = new Array<number>(set.personaKeys.length).fill(0);
    const customers = await stream((c) => {
      const i = assign(c.attributes);
      customerIds.push(c.id);
      personaIds.push(set.personaIds[i]);
      perIndex[i]++;
    });
    // Counted here, in parallel across chunks, so going live (one transaction) need not scan the
    // whole new partition again for the run's per-persona totals.
    const counts = emptyCounts();
    counts.total = customers;
    perIndex.forEach((n, i) => (counts.perPersona[set.personaKeys[i]] = n));
    return { customers, assignments: { customerIds, personaIds }, counts };
  }

  private async countAll(
    stream: (visit: (c: CustomerForEvaluation) => void) => Promise<number>,
    assign: (attributes: Record<string, unknown>) => number,
    set: LoadedPersonaSet,
  ): Promise<ChunkOutcome> {
    const counts = emptyCounts();
    const baselineKeys = await this.baselineKeys();
    const customers = await stream((c) => {
      const from = c.currentPersonaId === null ? null : (baselineKeys.get(c.currentPersonaId) ?? c.currentPersonaId);
      countTransition(counts, from, set.personaKeys[assign(c.attributes)]);
    });
    return { customers, counts };
  }

  async finalize(runId: string): Promise<void> {
    const run = await this.store.getRun(runId);
    if (!run || run.status !== 'running') return;
    if (run.kind === 'preview') return this.finalizePreview(run);
    const result = await this.store.goLive(runId);
    if (!result) return;
    this.metrics?.segmentationRuns.inc({ kind: run.kind });
    this.logger.log({ msg: 'persona set live', runId, setVersion: run.setVersion, ...result });
    if (result.lastHistoryId) await this.notifier.changed(result.lastHistoryId, result.changed);
  }

  private async finalizePreview(run: SegmentationRun): Promise<void> {
    const { counts } = await this.store.chunkCounts(run.id);
    const total = counts.reduce(mergeCounts, emptyCounts());
    // Every persona appears, even with no customers, so a preview shows what would go empty.
    const set = await this.setFor(run);
    for (const key of set.personaKeys) total.perPersona[key] ??= 0;
    await this.store.completePreview(run.id, { ...total, moved: movedCount(total) });
    this.previewSets.delete(run.id);
    this.metrics?.segmentationRuns.inc({ kind: run.kind });
    this.logger.log({ msg: 'preview done', runId: run.id, total: total.total, moved: movedCount(total) });
  }

  private async setFor(run: SegmentationRun): Promise<LoadedPersonaSet> {
    if (run.kind === 'full') return this.sets.get(run.setVersion!);
    let set = this.previewSets.get(run.id);
    if (!set) {
      const draft = await this.store.runDraft(run.id);
      if (!draft) throw new Error(`preview ${run.id} has no draft`);
      set = compileSetSnapshot(draft.members, draft.catalog, draft.timeZone);
      this.previewSets.set(run.id, set);
      for (const old of [...this.previewSets.keys()].slice(0, -8)) this.previewSets.delete(old);
    }
    return set;
  }

  /** Persona id → key for every persona ever published (transitions are reported by key). */
  private async baselineKeys(): Promise<Map<string, string>> {
    return this.store.personaKeysById();
  }
}
