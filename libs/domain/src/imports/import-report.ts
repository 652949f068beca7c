import { UpsertOutcome } from '../customers/customer';
import { DomainError } from '../errors/domain-error';
import { ImportRowError } from './import-row';

export const MAX_REPORTED_IMPORT_ERRORS = 100;

export interface ImportReport {
  /** Rows read (blank lines aside). received = created + updated + unchanged + rejected. */
  received: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** The first problems found, in file order (at most 100; `rejected` has the full count). */
  errors: ImportRowError[];
}

/** What an import that stopped part-way had done: the counts are of rows stored and committed. */
export interface InterruptedImportReport extends ImportReport {
  /**
   * Every row up to this line of the file is stored (counted in created/updated/unchanged) or
   * rejected (reported); null when nothing was stored. Send the rows after it again.
   */
  lastStoredLine: number | null;
}

export class ImportReportBuilder {
  private readonly report: ImportReport = { received: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [] };
  private lastStoredLine: number | null = null;

  received(): void {
    this.report.received += 1;
  }

  rejected(errors: readonly ImportRowError[]): void {
    this.report.rejected += 1;
    const room = MAX_REPORTED_IMPORT_ERRORS - this.report.errors.length;
    if (room > 0) this.report.errors.push(...errors.slice(0, room));
  }

  /** A batch is committed; `throughLine` is the line of its last row. */
  stored(outcome: Pick<UpsertOutcome, 'created' | 'updated' | 'unchanged'>, throughLine: number): void {
    this.report.created += outcome.created;
    this.report.updated += outcome.updated;
    this.report.unchanged += outcome.unchanged;
    this.lastStoredLine = throughLine;
  }

  /** The batches counted so far were rolled back (an atomic import). */
  discardStored(): void {
    this.report.created = 0;
    this.report.updated = 0;
    this.report.unchanged = 0;
    this.lastStoredLine = null;
  }

  get rejectedRows(): number {
    return this.report.rejected;
  }

  build(): ImportReport {
    return { ...this.report, errors: [...this.report.errors] };
  }

  buildInterrupted(): InterruptedImportReport {
    return { ...this.build(), lastStoredLine: this.lastStoredLine };
  }
}

/**
 * An import stopped part-way (a dependency went away, or a bug). It carries what was stored, so
 * the caller can resume after `report.lastStoredLine` instead of guessing.
 */
export class ImportInterruptedError extends DomainError {
  constructor(
    readonly report: InterruptedImportReport,
    /** The dependency that went away ('database', or a code such as QUEUE_UNAVAILABLE); none for a bug. */
    dependency: string | undefined,
    /** An atomic import that had not committed: its batches were rolled back. */
    rolledBack: boolean,
    options?: { cause?: unknown },
  ) {
    const stored = storedSummary(report, rolledBack);
    super(
      'IMPORT_INTERRUPTED',
      dependency ? `The import stopped because the ${dependency} is unavailable: ${stored}` : `The import stopped on an unexpected error: ${stored}`,
      dependency ? 'unavailable' : 'internal',
      [{ field: dependency ?? 'import', message: stored, code: dependency ? 'DEPENDENCY_UNAVAILABLE' : 'INTERNAL' }],
      options,
    );
  }
}

/** An atomic import with rejected rows: nothing was stored. */
export class ImportRowsRejectedError extends DomainError {
  constructor(readonly report: ImportReport) {
    super(
      'IMPORT_ROWS_REJECTED',
      `${report.rejected} of ${report.received} rows were rejected, so nothing was stored (atomic import): fix them and send the file again`,
      'invalid',
      report.errors.map((e) => ({ field: `line ${e.line}: ${e.field}`, message: e.message, code: 'IMPORT_ROW_INVALID' })),
    );
  }
}

function storedSummary(report: InterruptedImportReport, rolledBack: boolean): string {
  if (rolledBack) return `nothing was stored (atomic import, rolled back) after reading ${report.received} rows`;
  if (report.lastStoredLine === null) return `nothing was stored (${report.received} rows read)`;
  return (
    `every row up to line ${report.lastStoredLine} is stored or reported (${report.created} created, ${report.updated} updated, ` +
    `${report.unchanged} unchanged, ${report.rejected} rejected); rows after line ${report.lastStoredLine} were not stored: send them again`
  );
}
