import { DomainError } from '../errors/domain-error';

/**
 * An admin change that was made (committed: an import's batches, a row) but whose audit row could
 * not be written after it, the database gone in between. The answer must not say it failed (it did
 * not) nor that it succeeded (the log lacks it): it carries what was done, in `report`. An import
 * (streamed batches, each its own transaction: the row cannot share them) is idempotent, so sending
 * it again stores nothing twice and writes the row.
 */
export class AuditNotRecordedError extends DomainError {
  constructor(
    readonly report: unknown,
    options?: { cause?: unknown },
  ) {
    super(
      'AUDIT_NOT_RECORDED',
      'The change was made (report is what it answered), but the database went away before its audit row was written; an import sent again stores nothing twice and writes the row',
      'unavailable',
      [{ field: 'audit', message: 'the change is stored; its audit row is not', code: 'DEPENDENCY_UNAVAILABLE' }],
      options,
    );
  }
}
