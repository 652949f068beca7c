import { Injectable, Logger } from '@nestjs/common';
import { WRITEBACK_CONNECTION } from '@corridor/contracts';
import { CrmConnectorFactory, writebackFingerprintOf } from '@corridor/crm';
import {
  carriesWriteback,
  CRM_ERROR,
  DomainError,
  strategySummaryOf,
  WritebackOutcome,
  writebackErrorInWords,
  WritebackUpdate,
} from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { ConnectionRepository, PendingWriteback, WritebackStore } from '@corridor/persistence';

/** persona_history rows read per step; the connector batches them (HubSpot 100, Salesforce 200). */
const HISTORY_BATCH = 1000;
/** While its fields are missing, a connection's write-back checks again this often (and when its settings change). */
export const WRITEBACK_RECHECK_MS = 15 * 60_000;

export interface WritebackResult {
  written: number;
  skipped: number;
  failed: number;
  lastHistoryId: string;
  /** Changes exist that could not be read yet (an older transaction still runs): run again shortly. */
  pending: boolean;
  /**
   * Write-back cannot work with the connection's settings (fields missing): nothing was written and
   * the cursor stays. `checked`: this run asked the CRM (then it comes back at `recheckAt`); a run that
   * found the block still standing made no request at all.
   */
  blocked?: { code: string; reason: string; recheckAt: Date; checked: boolean };
}

/**
 * Writes changed personas to the CRM records, driven by persona_history from a per-connection
 * cursor (advanced after each batch is written, so a crash re-writes at most one batch: harmless).
 * The fields written are never mapped back into attributes, so the next incremental sync sees an
 * unchanged content hash: no re-segmentation, no new history, no second write. A record that
 * already carries the values (as last read by the sync or written here) is skipped.
 */
@Injectable()
export class CrmWritebackService {
  private readonly logger = new Logger('crm-writeback');
  /** How long a blocked connection waits before asking the CRM again (tests shorten it). */
  recheckMs = WRITEBACK_RECHECK_MS;

  constructor(
    private readonly connections: ConnectionRepository,
    private readonly store: WritebackStore,
    private readonly connectors: CrmConnectorFactory,
    private readonly jobs: JobProducer,
  ) {}

  /** PERSONA_CHANGES: one write-back job per CRM connection with write-back enabled. */
  async fanOut(toHistoryId: string): Promise<number> {
    const targets = (await this.connections.list()).filter((c) => c.settings.writeback?.enabled !== false);
    await this.jobs.enqueueMany(
      WRITEBACK_CONNECTION,
      targets.map((c) => ({ connectionId: c.id, toHistoryId })),
    );
    return targets.length;
  }

  /**
   * Writes the connection's pending persona changes, one write-back per connection at a time.
   * `busy` means another process is writing this connection now: the caller retries a little later
   * (rows committed after that run's last read are then picked up).
   */
  async writeConnection(connectionId: string): Promise<WritebackResult | 'busy'> {
    const outcome = await this.store.withConnectionLock(connectionId, () => this.writePending(connectionId));
    return outcome.busy ? 'busy' : outcome.value;
  }

  private async writePending(connectionId: string): Promise<WritebackResult> {
    const connection = await this.connections.get(connectionId);
    const cursor = await this.store.cursor(connectionId);
    let position = cursor.position;
    const total: WritebackResult = { written: 0, skipped: 0, failed: 0, lastHistoryId: position.historyId, pending: false };
    if (connection.settings.writeback?.enabled === false) return total;
    const fingerprint = writebackFingerprintOf(connection.kind, connection.settings);
    const block = cursor.blocked;
    if (block && block.settings === fingerprint && block.recheckAt && block.recheckAt.getTime() > Date.now()) {
      // Same settings, too early to ask again: no login, no describe, no failure per persona change.
      return { ...total, blocked: { code: block.code, reason: block.reason, recheckAt: block.recheckAt, checked: false } };
    }
    const connector = this.connectors.create(connection);
    let fieldsReady = false;
    for (;;) {
      const batch = await this.store.nextBatch(connectionId, position, HISTORY_BATCH);
      if (!batch) break;
      const live = batch.items.filter((i) => i.live);
      const planned = live.map((i) => {
        const update: WritebackUpdate = {
          externalId: i.externalId,
          crmObject: i.crmObject,
          personaKey: i.personaKey,
          personaName: i.personaName,
          strategySummary: strategySummaryOf({ personaName: i.personaName, personaDescription: i.personaDescription }),
        };
        return { item: i, update, values: connector.writebackValues(update) };
      });
      // The record already carries these values (a merge survivor, a repeat): no request.
      const toWrite = planned.filter((p) => !carriesWriteback(p.values, p.item.crmValues));
      let outcomes: WritebackOutcome[] = [];
      if (toWrite.length) {
        if (!fieldsReady) {
          try {
            await connector.ensureWritebackFields();
          } catch (e) {
            if ((e as DomainError).code !== CRM_ERROR.writebackFieldMissing) throw e;
            const reason = writebackErrorInWords(CRM_ERROR.writebackFieldMissing, (e as Error).message);
            const recheckAt = new Date(Date.now() + this.recheckMs);
            await this.store.block(connectionId, CRM_ERROR.writebackFieldMissing, reason, fingerprint, recheckAt);
            this.logger.warn({ connectionId, code: CRM_ERROR.writebackFieldMissing, recheckAt, msg: 'write-back blocked: target fields missing' });
            return { ...total, blocked: { code: CRM_ERROR.writebackFieldMissing, reason, recheckAt, checked: true } };
          }
          fieldsReady = true;
          for (const w of connector.takeWarnings?.() ?? []) this.logger.warn({ connectionId, code: w.code, msg: w.message });
          if (block) await this.store.unblock(connectionId);
        }
        outcomes = await connector.writeBack(toWrite.map((p) => p.update));
        await this.store.recordWritten(writtenValues(toWrite, outcomes));
      }
      const counts = {
        written: outcomes.filter((o) => o.status === 'written').length,
        skipped: batch.items.length - toWrite.length + outcomes.filter((o) => o.status === 'skipped').length,
        failed: outcomes.filter((o) => o.status === 'failed').length,
      };
      await this.store.advance(connectionId, batch.last, counts);
      position = batch.last;
      total.written += counts.written;
      total.skipped += counts.skipped;
      total.failed += counts.failed;
      total.lastHistoryId = batch.last.historyId;
      if (counts.failed) {
        const failed = outcomes.filter((o): o is Extract<WritebackOutcome, { status: 'failed' }> => o.status === 'failed');
        const codes = [...new Set(failed.map((o) => o.code))];
        await this.store.recordError(
          connectionId,
          failed[0].code,
          writebackErrorInWords(failed[0].code, `${counts.failed} record(s) refused, e.g. ${failed[0].externalId}: ${failed[0].message}`),
        );
        this.logger.warn({ connectionId, failed: counts.failed, codes, msg: 'write-back refused for some records' });
      }
    }
    if (!fieldsReady && block && block.settings !== fingerprint) await this.store.unblock(connectionId);
    total.pending = await this.store.hasRowsAfter(connectionId, position);
    const stats = connector.takeStats();
    this.logger.log({ connectionId, ...total, requests: stats.requests, rateLimited: stats.rateLimited, msg: 'write-back done' });
    return total;
  }
}

function writtenValues(
  planned: ReadonlyArray<{ item: PendingWriteback; values: Record<string, string> }>,
  outcomes: readonly WritebackOutcome[],
): Array<{ customerId: string; values: Record<string, string> }> {
  const written = new Set(outcomes.filter((o) => o.status === 'written').map((o) => o.externalId));
  return planned.filter((p) => written.has(p.item.externalId)).map((p) => ({ customerId: p.item.customerId, values: p.values }));
}
