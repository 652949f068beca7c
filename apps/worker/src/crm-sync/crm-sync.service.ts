import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { SyncConnectionPayload } from '@corridor/contracts';
import { CrmConnectorFactory } from '@corridor/crm';
import { CrmConnector, CrmError, CrmPage, DomainError, isFinishedRun, SyncMode, SyncPosition, SyncRun, SyncTrigger } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { WorkerMetrics } from '@corridor/observability';
import { ConnectionRepository, CrmAttributeRepository, CrmSyncStore, CustomerChanges, LeaseLostError } from '@corridor/persistence';
import { enqueueEvaluations } from './evaluation-dispatch';
import { PageReadAhead } from './page-read-ahead';

/** Records per commit: big enough to amortise a transaction, small enough to lose little on a crash. */
const COMMIT_RECORDS = 2000;
const COMMIT_PAGES = 20;
/** Pages fetched ahead of the commit in progress. */
const READ_AHEAD_PAGES = 40;
/** How often (at most) a sync looks for a cancel request between pages: one indexed read, not one per page. */
const CANCEL_CHECK_MS = 500;

/**
 * Runs one sync of a connection: discovery (catalog), then pages from the connector, committed in
 * groups together with the run's checkpoint; changed customers go to re-segmentation after each
 * commit. The next page is fetched while the previous group commits.
 */
@Injectable()
export class CrmSyncService {
  private readonly logger = new Logger('crm-sync');
  /** How long a run stays claimed without a checkpoint; a killed worker's run resumes after it. */
  private readonly leaseMs = 60_000;

  constructor(
    private readonly connections: ConnectionRepository,
    private readonly store: CrmSyncStore,
    private readonly attributes: CrmAttributeRepository,
    private readonly connectors: CrmConnectorFactory,
    private readonly jobs: JobProducer,
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {}

  async sync(payload: SyncConnectionPayload): Promise<SyncRun | null> {
    const connection = await this.connections.get(payload.connectionId);
    const watermark = await this.store.getWatermark(connection.id);
    let run: SyncRun | null;
    if (payload.runId) {
      run = await this.store.getRun(payload.runId);
    } else {
      run = await this.store.findActive(connection.id);
      if (!run) {
        const mode: SyncMode = watermark === null ? 'full' : payload.mode;
        const trigger: SyncTrigger = watermark === null ? 'first' : (payload.trigger ?? 'schedule');
        try {
          run = await this.store.createRun(connection.id, mode, trigger);
        } catch (e) {
          if ((e as DomainError).code === 'SYNC_ALREADY_RUNNING') return null;
          throw e;
        }
      }
    }
    if (isFinishedRun(run.status)) return run;

    const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const claimed = await this.store.claim(run.id, owner, this.leaseMs);
    if (!claimed) {
      // A scheduled tick leaves a live run alone; the job that owns the run retries until the lease frees.
      if (!payload.runId) return null;
      throw new DomainError('SYNC_LEASE_HELD', `Sync run ${run.id} is held by another worker`, 'unavailable');
    }
    const log = { runId: claimed.id, connectionId: connection.id, mode: claimed.mode };
    if (claimed.cancelRequestedAt) {
      this.logger.log({ ...log, msg: 'sync cancelled before it read a page' });
      return this.ended(await this.store.cancelRun(claimed.id, owner, { requests: 0, rateLimited: 0, retries: 0 }));
    }
    if (claimed.pendingEvaluation) await enqueueEvaluations(this.jobs, claimed.pendingEvaluation, { bulk: true });

    const connector = this.connectors.create(connection);
    try {
      const discovered = await connector.discoverProperties();
      const added = await this.attributes.upsertDiscovered(connector.catalogAttributes());
      this.logger.log({ ...log, resumed: claimed.position !== null, discovered: discovered.length, catalogChanges: added, msg: 'sync started' });
      const finished = claimed.position as { done?: boolean; watermark?: string } | null;
      if (finished?.done && finished.watermark) {
        // Every page was committed before the worker died: only the sweep (again) and the completion are missing.
        await this.sweep(claimed, owner, connection.id);
        return this.ended(await this.store.completeRun(claimed.id, owner, connection.id, finished.watermark, claimed.mode, connector.takeStats()));
      }
      let position = claimed.position as SyncPosition | null;
      if (!position) {
        position = connector.begin(claimed.mode, claimed.mode === 'full' ? null : watermark, new Date());
        const window = connector.syncWindow(position);
        await this.store.setWindow(claimed.id, window.from, window.to);
      }
      const done = await this.pump(claimed, owner, connection.id, connector, position);
      this.logger.log({ ...log, ...countsOf(done), msg: 'sync completed' });
      return this.ended(done);
    } catch (e) {
      if (e instanceof LeaseLostError) {
        this.logger.warn({ ...log, msg: e.message });
        return null;
      }
      const stats = connector.takeStats();
      if (e instanceof DomainError && e.transient) {
        // Let BullMQ retry with backoff; release the lease so any worker may resume at the checkpoint.
        await this.store.failRunAttempt(claimed.id, owner, e.code, stats);
        this.logger.warn({ ...log, code: e.code, msg: 'sync interrupted; will resume' });
        throw e;
      }
      await this.store.failRun(claimed.id, e instanceof DomainError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e), stats);
      this.logger.error({ ...log, code: (e as DomainError)?.code, msg: 'sync failed' });
      throw e;
    }
  }

  /**
   * Ends a manual run whose job has no attempt left. With Postgres away this fails too: the
   * watchdog then sees the failed job and ends the run.
   */
  async failRunForGood(runId: string, error: unknown): Promise<void> {
    const message = error instanceof DomainError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);
    try {
      await this.store.failRun(runId, message);
      this.logger.error({ runId, msg: 'sync failed: no attempt left', err: message });
    } catch (e) {
      this.logger.warn({ runId, msg: 'could not mark the sync run failed; the watchdog will', err: (e as Error).message });
    }
  }

  /**
   * Counts a run this process ended, with the run's totals (a run resumed across processes is
   * counted whole by the one that ends it).
   */
  private ended<R extends SyncRun | null>(run: R): R {
    const m = this.metrics;
    if (!m || !run) return run;
    const connection = run.connectionId;
    m.syncRuns.inc({ connection, status: run.status });
    for (const outcome of ['created', 'updated', 'unchanged', 'deleted', 'merged'] as const) m.syncRecords.inc({ connection, outcome }, run[outcome]);
    m.crmRequests.inc({ connection, outcome: 'ok' }, Math.max(0, run.requests - run.rateLimited - run.retries));
    m.crmRequests.inc({ connection, outcome: 'rate_limited' }, run.rateLimited);
    m.crmRequests.inc({ connection, outcome: 'retried' }, run.retries);
    m.crmRateLimited.inc({ connection }, run.rateLimited);
    return run;
  }

  private async pump(
    run: SyncRun,
    owner: string,
    connectionId: string,
    connector: CrmConnector,
    start: SyncPosition,
  ): Promise<SyncRun> {
    const pagesAhead = new PageReadAhead(connector, start, READ_AHEAD_PAGES);
    let buffer: CustomerChanges & { customers: CrmPage['customers']; deletedExternalIds: string[]; merges: CrmPage['merges'] } = {
      customers: [],
      deletedExternalIds: [],
      merges: [],
    };
    let pages = 0;
    let totalHint: number | null | undefined;
    let watermark: string | undefined;
    let progress = { pages: run.pages, records: run.records };
    let cancelCheckedAt = Date.now();
    let cancelled = false;
    try {
      for (let page = await pagesAhead.next(); page; page = await pagesAhead.next()) {
        buffer.customers.push(...page.customers);
        buffer.deletedExternalIds.push(...page.deletedExternalIds);
        buffer.merges.push(...page.merges);
        pages++;
        if (page.totalHint !== undefined && page.totalHint !== null) totalHint = page.totalHint;
        if (page.watermark !== undefined) watermark = page.watermark;
        const size = buffer.customers.length + buffer.deletedExternalIds.length + buffer.merges.length;
        if (page.next && Date.now() - cancelCheckedAt >= CANCEL_CHECK_MS) {
          cancelCheckedAt = Date.now();
          // Asked to stop: commit what was read (the checkpoint moves past it), then end the run.
          cancelled = await this.store.cancelRequested(run.id);
        }
        if (page.next && !cancelled && size < COMMIT_RECORDS && pages < COMMIT_PAGES) continue;

        const change = await this.store.commitPages({
          runId: run.id,
          owner,
          leaseMs: this.leaseMs,
          connectionId,
          changes: buffer,
          position: (page.next ?? { done: true, watermark: watermark ?? null }) as Record<string, unknown>,
          pages,
          stats: connector.takeStats(),
          totalHint,
          seenExternalIds: run.mode === 'full' ? buffer.customers.map((c) => c.externalId) : undefined,
        });
        await enqueueEvaluations(this.jobs, { newCustomer: change.newCustomerIds, dataChange: change.dataChangeIds }, { bulk: true });
        progress = { pages: progress.pages + pages, records: progress.records + buffer.customers.length };
        this.logger.log({
          runId: run.id,
          connectionId,
          pages: progress.pages,
          records: progress.records,
          created: change.created,
          updated: change.updated,
          unchanged: change.unchanged,
          deleted: change.deleted,
          merged: change.merged,
          percent: totalHint ? Math.min(100, Math.round((progress.records / totalHint) * 100)) : null,
          msg: 'sync progress',
        });
        buffer = { customers: [], deletedExternalIds: [], merges: [] };
        pages = 0;
        totalHint = undefined;
        if (cancelled && page.next) {
          const done = await this.store.cancelRun(run.id, owner, connector.takeStats());
          this.logger.log({ runId: run.id, connectionId, pages: done.pages, records: done.records, msg: 'sync cancelled' });
          return done;
        }
      }
    } finally {
      pagesAhead.stop();
    }
    if (watermark === undefined) throw new CrmError('CRM_INVALID_REQUEST', 'Sync ended without a watermark');
    await this.sweep(run, owner, connectionId);
    return this.store.completeRun(run.id, owner, connectionId, watermark, run.mode, connector.takeStats());
  }

  /**
   * A full run that read every page ends with exactly the CRM's live records: customers it did not
   * see vanished without a delete record (purged, GDPR-deleted). Only here, right before the run
   * completes; a failed or cancelled run never gets here.
   */
  private async sweep(run: SyncRun, owner: string, connectionId: string): Promise<void> {
    if (run.mode !== 'full') return;
    const swept = await this.store.sweepUnseen(run.id, owner, connectionId);
    if (swept.length === 0) return;
    await enqueueEvaluations(this.jobs, { newCustomer: [], dataChange: swept }, { bulk: true });
    this.logger.log({ runId: run.id, connectionId, swept: swept.length, msg: 'sync swept customers gone from the CRM' });
  }
}

function countsOf(run: SyncRun) {
  const { pages, records, created, updated, unchanged, deleted, merged, requests, rateLimited, retries } = run;
  return { pages, records, created, updated, unchanged, deleted, merged, requests, rateLimited, retries };
}
