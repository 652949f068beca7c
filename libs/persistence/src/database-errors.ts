/**
 * Whether an error means the database is unreachable or went away (as opposed to a query it
 * refused): connection refused or reset, the server shutting down or dropping the session, the
 * pool unable to connect in time. Callers report such a failure as a dependency outage (503).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|57P)/.test(code) || code === '53300')) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    // TypeORM releases a transaction's connection when the server drops it; the transaction's next
    // query then fails with this rather than with the network error.
    if ((e as { name?: unknown }).name === 'QueryRunnerProviderAlreadyReleasedError') return true;
    // TypeORM wraps the driver's error (driverError); Node wraps causes (cause).
    e = (e as { driverError?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;
