import { Injectable, Logger } from '@nestjs/common';
import { WRITEBACK_CONNECTION } from '@corridor/contracts';
import { CrmConnectorFactory, writebackFingerprintOf } from '@corridor/crm';
import { CRM_ERROR, CrmConnector, CrmObject, PublishedStrategy, strategySummaryOf, writebackErrorInWords, WritebackUpdate } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import {
  ConnectionRepository,
  PublishedContent,
  StrategyVersionRepository,
  WritebackPublishedStore,
  WritebackStore,
} from '@corridor/persistence';
import { RecordWriter, WriteCounts } from './record-writer';

/** persona_history rows read per step; the connector batches them (HubSpot 100, Salesforce 200). */
const HISTORY_BATCH = 1000;
/** Customers read per step when a publish changed what their persona's records should say. */
const REFRESH_BATCH = 1000;
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
 * What is written is always the PUBLISHED text: the persona's name and description as the live set
 * froze them, and a strategy summary from the live strategy (drafts never reach the CRM). When a
 * publish changes those texts (a set that only renames or re-describes, a new strategy), the
 * customers who keep their persona are re-written once: the connection's records are swept for
 * the ones that do not carry the new values yet, and the publish is recorded as done for it.
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
    private readonly published: WritebackPublishedStore,
    private readonly strategies: StrategyVersionRepository,
  ) {}

  /**
   * Connections whose records were not yet brought up to date with what is published now (a persona
   * set went live, a strategy was published): one write-back job each, with an id per publish so a
   * repeated check adds nothing. Called by the worker's watchdog on every pass.
   */
  async enqueuePublishedRefresh(): Promise<string[]> {
    const key = await this.published.currentKey();
    const done = await this.published.keys();
    const behind = (await this.connections.list()).filter((c) => c.settings.writeback?.enabled !== false && done.get(c.id) !== key);
    await this.jobs.enqueueMany(
      WRITEBACK_CONNECTION,
      behind.map((c) => ({ connectionId: c.id, publishedKey: key })),
    );
    return behind.map((c) => c.id);
  }

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
    const content = await this.published.current();
    const texts = new PublishedTexts(content, content.strategyVersion ? await this.strategies.get(content.strategyVersion) : null);
    const writer = new RecordWriter(connectionId, connector, this.store, this.logger, async () => {
      if (block) await this.store.unblock(connectionId);
    });
    for (;;) {
      const batch = await this.store.nextBatch(connectionId, position, HISTORY_BATCH);
      if (!batch) break;
      const live = batch.items.filter((i) => i.live);
      const written = await writer.write(live, (i) => texts.updateFor(i));
      if ('blocked' in written) return this.blocked(total, connectionId, fingerprint, written.blocked);
      const counts = { ...written, skipped: batch.items.length - live.length + written.skipped };
      await this.store.advance(connectionId, batch.last, counts);
      position = batch.last;
      add(total, counts);
      total.lastHistoryId = batch.last.historyId;
    }
    total.pending = await this.store.hasRowsAfter(connectionId, position);
    // A publish changed what the records should say (names, descriptions, strategy): bring the
    // customers who keep their persona up to date, once per publish. Only records whose known values
    // differ are read (a crash re-reads just the ones still behind).
    if (!total.pending && (await this.published.keyOf(connectionId)) !== content.key) {
      const wanted = texts.valuesByPersona(connector);
      for (let afterId = '0'; ; ) {
        const stale = await this.published.stale(connectionId, content.setVersion, wanted, afterId, REFRESH_BATCH);
        if (stale.length === 0) break;
        const written = await writer.write(stale, (i) => texts.updateFor(i));
        if ('blocked' in written) return this.blocked(total, connectionId, fingerprint, written.blocked);
        add(total, written);
        afterId = stale[stale.length - 1].customerId;
      }
      await this.published.markUpToDate(connectionId, content.key);
    }
    if (!writer.fieldsReady && block && block.settings !== fingerprint) await this.store.unblock(connectionId);
    const stats = connector.takeStats();
    this.logger.log({ connectionId, ...total, requests: stats.requests, rateLimited: stats.rateLimited, msg: 'write-back done' });
    return total;
  }

  private async blocked(total: WritebackResult, connectionId: string, fingerprint: string, detail: string): Promise<WritebackResult> {
    const reason = writebackErrorInWords(CRM_ERROR.writebackFieldMissing, detail);
    const recheckAt = new Date(Date.now() + this.recheckMs);
    await this.store.block(connectionId, CRM_ERROR.writebackFieldMissing, reason, fingerprint, recheckAt);
    this.logger.warn({ connectionId, code: CRM_ERROR.writebackFieldMissing, recheckAt, msg: 'write-back blocked: target fields missing' });
    return { ...total, blocked: { code: CRM_ERROR.writebackFieldMissing, reason, recheckAt, checked: true } };
  }
}

function add(total: WritebackResult, counts: WriteCounts): void {
  total.written += counts.written;
  total.skipped += counts.skipped;
  total.failed += counts.failed;
}

/**
 * The write-back values as published now: each persona's name and description from the live set's
 * frozen version, and the summary of the live strategy for it (computed once per persona per run).
 */
class PublishedTexts {
  private readonly byPersona = new Map<string, Omit<WritebackUpdate, 'externalId' | 'crmObject'>>();

  constructor(
    private readonly content: PublishedContent,
    private readonly strategy: PublishedStrategy | null,
  ) {}

  /** Null when the live set does not hold the persona: a later change moves the customer anyway. */
  updateFor(item: { personaId: string; externalId: string; crmObject: CrmObject }): WritebackUpdate | null {
    const text = this.textOf(item.personaId);
    return text ? { ...text, externalId: item.externalId, crmObject: item.crmObject } : null;
  }

  /** Persona id → the field values its customers' records should carry on this connection. */
  valuesByPersona(connector: CrmConnector): Map<string, Record<string, string>> {
    return new Map([...this.content.personas.keys()].map((id) => [id, connector.writebackValues({ ...this.textOf(id)!, externalId: '', crmObject: 'contact' })]));
  }

  private textOf(personaId: string): Omit<WritebackUpdate, 'externalId' | 'crmObject'> | null {
    let text = this.byPersona.get(personaId);
    if (!text) {
      const persona = this.content.personas.get(personaId);
      if (!persona) return null;
      const strategySummary = strategySummaryOf({ personaKey: persona.key, personaName: persona.name, personaDescription: persona.description, strategy: this.strategy });
      text = { personaKey: persona.key, personaName: persona.name, strategySummary };
      this.byPersona.set(personaId, text);
    }
    return text;
  }
}
