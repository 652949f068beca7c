import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The header a caller may set to tie our logs to theirs; echoed on every response. */
export const CORRELATION_HEADER = 'x-request-id';

interface CorrelationStore {
  correlationId: string;
}

const storage = new AsyncLocalStorage<CorrelationStore>();

/**
 * The correlation id of the request or job being handled, if any. Code that enqueues a job puts it
 * into the job data, and the worker runs the job inside `withCorrelationId`, so one id follows the
 * work from HTTP request to job to logs.
 */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

export function withCorrelationId<T>(correlationId: string, fn: () => T): T {
  return storage.run({ correlationId }, fn);
}

/** A caller's id is kept only when it looks like an id: logs must not carry arbitrary input. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function correlationIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && ACCEPTABLE_ID.test(given) ? given : randomUUID();
}

/**
 * Express/Node middleware; must run first. Takes or makes the id, exposes it as `req.id` (which
 * pino-http then logs as the request id) and in the response header, and runs the rest of the
 * request inside its async context.
 */
export function correlationIdMiddleware(req: IncomingMessage & { id?: unknown }, res: ServerResponse, next: () => void): void {
  const correlationId = correlationIdFrom(req.headers[CORRELATION_HEADER]);
  req.id = correlationId;
  res.setHeader('X-Request-Id', correlationId);
  withCorrelationId(correlationId, next);
}
