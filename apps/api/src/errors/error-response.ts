import { HttpException, HttpStatus } from '@nestjs/common';
import { AuditNotRecordedError, DomainError, ErrorDetail, ErrorKind, ImportInterruptedError, ImportRowsRejectedError } from '@corridor/domain';
import { isDatabaseUnavailable } from '@corridor/persistence';

/** The one body every 4xx/5xx answer has. */
export interface ErrorBody {
  code: string;
  message: string;
  details: ErrorDetail[];
  /** An import that stopped or was refused says what it did (read, stored, through which line); a change whose audit row was lost, what it answered. */
  report?: unknown;
  /** How many details were left out past MAX_ERROR_DETAILS; absent when none were. */
  detailsOmitted?: number;
}

/**
 * The most details an answer lists. A 1 MB body of 100,000 bad items would otherwise be answered
 * with 100,000 details (megabytes); the first hundred say what is wrong, the count says how much.
 */
export const MAX_ERROR_DETAILS = 100;

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** 'error': a bug or an outage, logged with its stack; 'debug': the caller's mistake. */
  log: 'error' | 'debug';
}

export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  internal: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** Codes for HTTP exceptions raised by Nest or express itself rather than by our code. */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
};

const INTERNAL: ErrorBody = { code: 'INTERNAL', message: 'Internal server error', details: [] };

const DATABASE_UNAVAILABLE: ErrorBody = {
  code: 'DATABASE_UNAVAILABLE',
  message: 'The database is unavailable or did not answer in time; try again shortly',
  details: [],
};

/**
 * Maps anything thrown while handling a request to a status and the one error body. Domain errors
 * map by kind; HTTP exceptions (raised only in apps/api, or by Nest/express) by status, keeping
 * a `{code, message, details}` body when they carry one; a database that is away is 503
 * DATABASE_UNAVAILABLE; anything else is a bug: 500 INTERNAL,
 * its message withheld from the caller (it may hold internals) and logged instead.
 */
export function errorResponseOf(exception: unknown): ErrorResponse {
  const response = uncappedResponseOf(exception);
  const { details } = response.body;
  if (details.length <= MAX_ERROR_DETAILS) return response;
  return {
    ...response,
    body: { ...response.body, details: details.slice(0, MAX_ERROR_DETAILS), detailsOmitted: details.length - MAX_ERROR_DETAILS },
  };
}

function uncappedResponseOf(exception: unknown): ErrorResponse {
  if (exception instanceof DomainError) {
    const status = STATUS_BY_KIND[exception.kind] ?? HttpStatus.INTERNAL_SERVER_ERROR;
    return {
      status,
      body: { code: exception.code, message: exception.message, details: exception.details, ...reportOf(exception) },
      log: status >= 500 ? 'error' : 'debug',
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { status, body: httpExceptionBody(exception, status), log: status >= 500 ? 'error' : 'debug' };
  }
  // An outage, not a bug: the caller may retry (the driver's own message stays in the log).
  if (isDatabaseUnavailable(exception)) return { status: HttpStatus.SERVICE_UNAVAILABLE, body: DATABASE_UNAVAILABLE, log: 'error' };
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: INTERNAL, log: 'error' };
}

function reportOf(exception: DomainError): Pick<ErrorBody, 'report'> {
  return exception instanceof ImportInterruptedError || exception instanceof ImportRowsRejectedError || exception instanceof AuditNotRecordedError
    ? { report: exception.report }
    : {};
}

function httpExceptionBody(exception: HttpException, status: number): ErrorBody {
  const response = exception.getResponse();
  if (isErrorBody(response)) return { code: response.code, message: response.message, details: response.details ?? [] };
  const message = messageOf(response) ?? exception.message;
  // Nest's own "no route" exception reads `Cannot GET /path`.
  if (status === HttpStatus.NOT_FOUND && /^Cannot [A-Z]+ /.test(message)) {
    return { code: 'ROUTE_NOT_FOUND', message, details: [] };
  }
  if (status >= 500) return { ...INTERNAL, code: CODE_BY_STATUS[status] ?? 'INTERNAL' };
  return { code: CODE_BY_STATUS[status] ?? `HTTP_${status}`, message, details: [] };
}

function isErrorBody(response: unknown): response is ErrorBody {
  const r = response as Partial<ErrorBody> | null;
  return typeof r === 'object' && r !== null && typeof r.code === 'string' && typeof r.message === 'string';
}

function messageOf(response: unknown): string | undefined {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return undefined;
}
