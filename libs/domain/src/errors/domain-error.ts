/**
 * Errors raised by core code carry a stable code and a kind. Only apps/api maps kinds to HTTP
 * statuses (one exception filter); the worker maps them to retry-or-give-up. Core code never
 * throws HTTP exceptions, so the same service behaves the same behind a controller or a job.
 */
export type ErrorKind =
  | 'invalid' // the caller sent something wrong: 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409: state does not allow it (duplicate key, stale version)
  | 'unavailable' // a dependency is down or rate-limited: retry later (503 at the edge)
  | 'internal'; // a bug: 500

export interface ErrorDetail {
  /** Where the problem is: a field name (`email`), a dotted path (`rule.all[0]`) or a JSON path (`$.all[1]`). */
  field: string;
  message: string;
  code?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: ErrorKind,
    readonly details: ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Whether retrying the same operation later may succeed (worker: retry with backoff). */
  get transient(): boolean {
    return this.kind === 'unavailable';
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details: ErrorDetail[], code = 'VALIDATION_FAILED') {
    super(code, message, 'invalid', details);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string, code = 'NOT_FOUND') {
    super(code, `${what} ${JSON.stringify(id)} was not found`, 'not_found', []);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: ErrorDetail[] = [], code = 'CONFLICT') {
    super(code, message, 'conflict', details);
  }
}
