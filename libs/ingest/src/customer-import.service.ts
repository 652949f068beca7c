import { Injectable, Logger } from '@nestjs/common';
import { EVALUATE_CUSTOMERS, EvaluateCustomersPayload, EvaluationCause } from '@corridor/contracts';
import { checkImportRow, ImportReport, ImportReportBuilder, IncomingCustomer, UnknownAttributePolicy } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { AttributeRepository, CustomerRepository, IMPORT_CONNECTION_ID } from '@corridor/persistence';
import { ImportFormat, ImportSource, readCsv, readJsonLines } from './import-readers';

export interface ImportOptions {
  format: ImportFormat;
  unknown?: UnknownAttributePolicy;
  /** Rows per upsert statement (and per transaction); ~1,000 keeps statements fast and memory flat. */
  batchSize?: number;
}

export const IMPORT_BATCH_SIZE = 1000;
/** EVALUATE_CUSTOMERS takes at most this many ids per job (its contract). */
const EVALUATE_CHUNK = 1000;

/**
 * Streams customers from a file into the import connection. Shared by the API (upload) and the CLI
 * (`corridor import`), which is why it lives in a lib rather than in apps/api.
 *
 * Rows are checked one by one; a bad row is reported and skipped while good ones land. Each batch
 * is one upsert statement, so a batch is written whole or not at all, and only then are the
 * customers it created or changed queued for re-segmentation.
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
    const catalog = await this.attributes.loadCatalog();
    const unknown = options.unknown ?? 'reject';
    const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
    const report = new ImportReportBuilder();
    const batch = new Map<string, IncomingCustomer>();

    const flush = async () => {
      if (batch.size === 0) return;
      const outcome = await this.customers.upsertBatch(IMPORT_CONNECTION_ID, [...batch.values()]);
      batch.clear();
      report.stored(outcome);
      const created = new Set(outcome.createdIds);
      await this.enqueueEvaluation([
        ...chunk(outcome.createdIds, EVALUATE_CHUNK).map((ids) => payload(ids, 'new_customer')),
        ...chunk(outcome.changedIds.filter((id) => !created.has(id)), EVALUATE_CHUNK).map((ids) => payload(ids, 'data_change')),
      ]);
    };

    const rows = options.format === 'csv' ? readCsv(input) : readJsonLines(input);
    for await (const raw of rows) {
      report.received();
      const result = checkImportRow(raw, { catalog, unknown });
      if (!result.ok) {
        report.rejected(result.errors);
        continue;
      }
      // A repeated id goes to the next statement (one statement cannot update a row twice), so
      // every row is counted once and the later row wins, as it would in a file read top to bottom.
      if (batch.has(result.customer.externalId)) await flush();
      batch.set(result.customer.externalId, result.customer);
      if (batch.size >= batchSize) await flush();
    }
    await flush();

    const built = report.build();
    const { errors, ...counts } = built;
    this.logger.log({ format: options.format, ...counts }, 'customer import finished');
    return built;
  }

  private async enqueueEvaluation(payloads: EvaluateCustomersPayload[]): Promise<void> {
    await this.jobs.enqueueMany(EVALUATE_CUSTOMERS, payloads);
  }
}

function payload(customerIds: string[], cause: EvaluationCause): EvaluateCustomersPayload {
  return { customerIds, cause };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
