import { Logger } from '@nestjs/common';
import { carriesWriteback, CRM_ERROR, CrmConnector, CrmObject, DomainError, WritebackOutcome, writebackErrorInWords, WritebackUpdate } from '@corridor/domain';
import { WritebackStore } from '@corridor/persistence';

/** One record to bring up to date with its customer's live persona. */
export interface WritebackItem {
  customerId: string;
  externalId: string;
  crmObject: CrmObject;
  personaId: string;
  /** The CRM's current values of the write-back fields, as last read or written; null when unknown. */
  crmValues: Record<string, string | null> | null;
}

export type WriteCounts = { written: number; skipped: number; failed: number };

/**
 * Writes records of one connection through its connector, for one write-back run: skips a record
 * that already carries the values (no request), makes sure the target fields exist before the
 * first write (`blocked` with the CRM's words when they do not), records what was written and the
 * first refusal as the connection's last error.
 */
export class RecordWriter {
  fieldsReady = false;

  constructor(
    private readonly connectionId: string,
    private readonly connector: CrmConnector,
    private readonly store: WritebackStore,
    private readonly logger: Logger,
    private readonly onFieldsReady: () => Promise<void>,
  ) {}

  /** `updateFor` null: nothing published to write for that record (skipped). */
  async write(items: readonly WritebackItem[], updateFor: (item: WritebackItem) => WritebackUpdate | null): Promise<WriteCounts | { blocked: string }> {
    const planned = items.flatMap((item) => {
      const update = updateFor(item);
      return update ? [{ item, update, values: this.connector.writebackValues(update) }] : [];
    });
    // The record already carries these values (a merge survivor, a repeat, a publish that left it alone): no request.
    const toWrite = planned.filter((p) => !carriesWriteback(p.values, p.item.crmValues));
    let outcomes: WritebackOutcome[] = [];
    if (toWrite.length) {
      if (!this.fieldsReady) {
        try {
          await this.connector.ensureWritebackFields();
        } catch (e) {
          if ((e as DomainError).code !== CRM_ERROR.writebackFieldMissing) throw e;
          return { blocked: (e as Error).message };
        }
        this.fieldsReady = true;
        for (const w of this.connector.takeWarnings?.() ?? []) this.logger.warn({ connectionId: this.connectionId, code: w.code, msg: w.message });
        await this.onFieldsReady();
      }
      // One CRM batch at a time, each recorded as soon as it is written: when a later batch fails for
      // good, the job's retry finds the earlier ones carrying their values and does not write them again.
      const size = this.connector.writebackBatchSize ?? toWrite.length;
      for (let i = 0; i < toWrite.length; i += size) {
        const chunk = toWrite.slice(i, i + size);
        const chunkOutcomes = await this.connector.writeBack(chunk.map((p) => p.update));
        outcomes.push(...chunkOutcomes);
        const written = new Set(chunkOutcomes.filter((o) => o.status === 'written').map((o) => o.externalId));
        await this.store.recordWritten(chunk.filter((p) => written.has(p.item.externalId)).map((p) => ({ customerId: p.item.customerId, values: p.values })));
      }
    }
    const counts = {
      written: outcomes.filter((o) => o.status === 'written').length,
      skipped: items.length - toWrite.length + outcomes.filter((o) => o.status === 'skipped').length,
      failed: outcomes.filter((o) => o.status === 'failed').length,
    };
    if (counts.failed) {
      const failed = outcomes.filter((o): o is Extract<WritebackOutcome, { status: 'failed' }> => o.status === 'failed');
      const codes = [...new Set(failed.map((o) => o.code))];
      await this.store.recordError(
        this.connectionId,
        failed[0].code,
        writebackErrorInWords(failed[0].code, `${counts.failed} record(s) refused, e.g. ${failed[0].externalId}: ${failed[0].message}`),
      );
      this.logger.warn({ connectionId: this.connectionId, failed: counts.failed, codes, msg: 'write-back refused for some records' });
    }
    return counts;
  }
}
