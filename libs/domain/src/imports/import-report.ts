import { UpsertOutcome } from '../customers/customer';
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

export class ImportReportBuilder {
  private readonly report: ImportReport = { received: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [] };

  received(): void {
    this.report.received += 1;
  }

  rejected(errors: readonly ImportRowError[]): void {
    this.report.rejected += 1;
    const room = MAX_REPORTED_IMPORT_ERRORS - this.report.errors.length;
    if (room > 0) this.report.errors.push(...errors.slice(0, room));
  }

  stored(outcome: Pick<UpsertOutcome, 'created' | 'updated' | 'unchanged'>): void {
    this.report.created += outcome.created;
    this.report.updated += outcome.updated;
    this.report.unchanged += outcome.unchanged;
  }

  build(): ImportReport {
    return { ...this.report, errors: [...this.report.errors] };
  }
}
