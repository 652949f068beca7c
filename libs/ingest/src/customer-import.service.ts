import { Injectable, Logger } from '@nestjs/common';
import { BULK_EVALUATION, EVALUATE_CUSTOMERS, EvaluateCustomersPayload, EvaluationCause } from '@corridor/contracts';
import {
  checkImportRow,
  DomainError,
  ImportInterruptedError,
  ImportMode,
  ImportReport,
  ImportReportBuilder,
  ImportRowsRejectedError,
  IncomingCustomer,
  mergeImportedAttributes,
  UnknownAttributePolicy,
  UpsertOutcome,
} from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { AttributeRepository, CustomerBatchWriter, CustomerRepository, IMPORT_CONNECTION_ID, isDatabaseUnavailable } from '@corridor/persistence';
import { ImportFormat, ImportSource, readCsv, readJsonLines } from './import-readers';

export interface ImportOptions {
  format: ImportFormat;
  unknown?: UnknownAttributePolicy;
  /** merge (default): write only the attributes a row carries; replace: a row is the whole set. */
  mode?: ImportMode;
  /** All or nothing: one transaction for the whole file; any rejected row stores nothing. */
  atomic?: boolean;
  /** Rows per upsert statement (and per transaction); ~1,000 keeps statements fast and memory flat. */
  batchSize?: number;
}

export const IMPORT_BATCH_SIZE = 1000;
/** EVALUATE_CUSTOMERS takes at most this many ids per job (its contract). */
const EVALUATE_CHUNK = 1000;

/** Thrown inside an atomic import's transaction to roll it back when a row was rejected. */
class RollBack extends Error {}

/**
 * Streams customers from a file into the import connection. Shared by the API (upload) and the CLI
 * (`corridor import`), which is why it lives in a lib rather than in apps/api.
 *
 * Rows are checked one by one; a bad row is reported and skipped while good ones land. Each batch
 * is one transaction, written whole or not at all, and only then are the customers it created or
 * changed queued for re-segmentation. If the import stops part-way (the database goes away), the
 * error carries the report of what was stored. An atomic import is one transaction: stored whole,
 * or (a rejected row, a failure) not at all, and re-segmentation is queued after it commits.
 */
@Injectable()
export class CustomerImportService {
  private readonly logger = new Logger(CustomerImportService.name);

  constructor(
    private readonly attributes: AttributeRepository,
    private readonly customers: CustomerRepository,
    private readonly jobs: JobProducer,
  ) {}

  async importCustomers(input: ImportSource, options: ImportOptions): Promise<ImportReport> {
    const report = new ImportReportBuilder();
    const atomic = options.atomic ?? false;
    let rolledBack = atomic; // until an atomic import commits, a failure leaves nothing stored
    try {
      if (atomic) {
        const outcomes: UpsertOutcome[] = [];
        try {
          await this.customers.inTransaction(async (writer) => {
            await this.readAndStore(input, options, report, writer, async (outcome) => void outcomes.push(outcome));
            if (report.rejectedRows > 0) throw new RollBack();
          });
        } catch (e) {
          report.discardStored();
          if (e instanceof RollBack) throw new ImportRowsRejectedError(report.build());
          throw e;
        }
        rolledBack = false;
        for (const outcome of outcomes) await this.enqueueEvaluation(outcome);
      } else {
        await this.readAndStore(input, options, report, this.customers, (outcome) => this.enqueueEvaluation(outcome));
      }
    } catch (e) {
      throw interrupted(e, report, rolledBack);
    }

    const built = report.build();
    const { errors, ...counts } = built;
    this.logger.log({ format: options.format, mode: options.mode ?? 'merge', atomic, ...counts }, 'customer import finished');
    return built;
  }

  private async readAndStore(
    input: ImportSource,
    options: ImportOptions,
    report: ImportReportBuilder,
    writer: CustomerBatchWriter,
    afterStore: (outcome: UpsertOutcome) => Promise<void>,
  ): Promise<void> {
    const catalog = await this.attributes.loadCatalog();
    const unknown = options.unknown ?? 'reject';
    const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
    const merge = (options.mode ?? 'merge') === 'merge' ? mergeImportedAttributes : undefined;
    const batch = new Map<string, IncomingCustomer>();
    let batchLastLine = 0;

    const flush = async () => {
      if (batch.size === 0) return;
      const outcome = await writer.upsertBatch(IMPORT_CONNECTION_ID, [...batch.values()], merge);
      batch.clear();
      report.stored(outcome, batchLastLine);
      await afterStore(outcome);
    };

    const rows = options.format === 'csv' ? readCsv(input) : readJsonLines(input);
    for await (const raw of rows) {
      report.received();
      const result = checkImportRow(raw, { catalog, unknown });
      if (!result.ok) {
        report.rejected(result.errors);
        continue;
      }
      // An atomic import with a rejected row stores nothing: keep reading only to report.
      if (options.atomic && report.rejectedRows > 0) continue;
      // A repeated id goes to the next statement (one statement cannot update a row twice), so
      // every row is counted once and the later row wins, as it would in a file read top to bottom.
      if (batch.has(result.customer.externalId)) await flush();
      batch.set(result.customer.externalId, result.customer);
      batchLastLine = raw.line;
      if (batch.size >= batchSize) await flush();
    }
    if (!(options.atomic && report.rejectedRows > 0)) await flush();
  }

  private async enqueueEvaluation(outcome: UpsertOutcome): Promise<void> {
    const created = new Set(outcome.createdIds);
    await this.jobs.enqueueMany(EVALUATE_CUSTOMERS, [
      ...chunk(outcome.createdIds, EVALUATE_CHUNK).map((ids) => payload(ids, 'new_customer')),
      ...chunk(outcome.changedIds.filter((id) => !created.has(id)), EVALUATE_CHUNK).map((ids) => payload(ids, 'data_change')),
    ], BULK_EVALUATION);
  }
}

/**
 * What leaves an import that failed: the caller's own mistakes (a bad header, rejected rows of an
 * atomic import) as they are; anything else as an interruption carrying what was stored, a 503
 * when a dependency went away.
 */
function interrupted(e: unknown, report: ImportReportBuilder, rolledBack: boolean): unknown {
  if (e instanceof DomainError && (e.kind === 'invalid' || e.kind === 'forbidden' || e.kind === 'unauthenticated')) return e;
  let dependency: string | undefined;
  if (isDatabaseUnavailable(e)) dependency = 'database';
  else if (e instanceof DomainError && e.transient) dependency = /QUEUE|REDIS/i.test(e.code) ? 'job queue' : `dependency (${e.code})`;
  return new ImportInterruptedError(report.buildInterrupted(), dependency, rolledBack, { cause: e });
}

function payload(customerIds: string[], cause: EvaluationCause): EvaluateCustomersPayload {
  return { customerIds, cause };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
