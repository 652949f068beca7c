import { Injectable, Logger } from '@nestjs/common';
import { WRITEBACK_CONNECTION } from '@corridor/contracts';
import { CrmConnectorFactory } from '@corridor/crm';
import { strategySummaryOf, WritebackOutcome, WritebackUpdate } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { ConnectionRepository, WritebackStore } from '@corridor/persistence';

/** persona_history rows read per step; the connector batches them (HubSpot 100, Salesforce 200). */
const HISTORY_BATCH = 1000;

export interface WritebackResult {
  written: number;
  skipped: number;
  failed: number;
  lastHistoryId: string;
  /** Changes exist that could not be read yet (an older transaction still runs): run again shortly. */
  pending: boolean;
}

/**
 * Writes changed personas to the CRM records, driven by persona_history from a per-connection
 * cursor (advanced after each batch is written, so a crash re-writes at most one batch: harmless).
 * The fields written are never mapped back into attributes, so the next incremental sync sees an
 * unchanged content hash: no re-segmentation, no new history, no second write.
 */
@Injectable()
export class CrmWritebackService {
  private readonly logger = new Logger('crm-writeback');

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
    let position = (await this.store.cursor(connectionId)).position;
    const total: WritebackResult = { written: 0, skipped: 0, failed: 0, lastHistoryId: position.historyId, pending: false };
    if (connection.settings.writeback?.enabled === false) return total;
    const connector = this.connectors.create(connection);
    let fieldsReady = false;
    for (;;) {
      const batch = await this.store.nextBatch(connectionId, position, HISTORY_BATCH);
      if (!batch) break;
      const updates: WritebackUpdate[] = batch.items
        .filter((i) => i.live)
        .map((i) => ({
          externalId: i.externalId,
          crmObject: i.crmObject,
          personaKey: i.personaKey,
          personaName: i.personaName,
          strategySummary: strategySummaryOf({ personaName: i.personaName, personaDescription: i.personaDescription }),
        }));
      let outcomes: WritebackOutcome[] = [];
      if (updates.length) {
        if (!fieldsReady) {
          await connector.ensureWritebackFields();
          fieldsReady = true;
          for (const w of connector.takeWarnings?.() ?? []) this.logger.warn({ connectionId, code: w.code, msg: w.message });
        }
        outcomes = await connector.writeBack(updates);
      }
      const counts = {
        written: outcomes.filter((o) => o.status === 'written').length,
        skipped: batch.items.length - updates.length + outcomes.filter((o) => o.status === 'skipped').length,
        failed: outcomes.filter((o) => o.status === 'failed').length,
      };
      await this.store.advance(connectionId, batch.last, counts);
      position = batch.last;
      total.written += counts.written;
      total.skipped += counts.skipped;
      total.failed += counts.failed;
      total.lastHistoryId = batch.last.historyId;
      if (counts.failed) {
        const codes = [...new Set(outcomes.filter((o) => o.status === 'failed').map((o) => (o as { code: string }).code))];
        this.logger.warn({ connectionId, failed: counts.failed, codes, msg: 'write-back refused for some records' });
      }
    }
    total.pending = await this.store.hasRowsAfter(connectionId, position);
    const stats = connector.takeStats();
    this.logger.log({ connectionId, ...total, requests: stats.requests, rateLimited: stats.rateLimited, msg: 'write-back done' });
    return total;
  }
}
