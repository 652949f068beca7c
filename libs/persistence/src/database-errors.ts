/**
 * Whether an error means the database is away (down, restarting, unreachable, out of connections,
 * or too slow for the statement timeout) rather than a bug or bad data: a caller gets 503 and may
 * retry. Looks through TypeORM's wrapper (`driverError`) and `cause` chains.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const { code, message, name, driverError, cause } = e as { code?: unknown; message?: unknown; name?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || PG_UNAVAILABLE.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && POOL_MESSAGES.test(message)) return true;
    // TypeORM releases a transaction's connection when the server drops it; the transaction's next
    // query then fails with this rather than with the network error.
    if (name === 'QueryRunnerProviderAlreadyReleasedError') return true;
    e = driverError ?? cause;
  }
  return false;
}

/**
 * Whether a statement was given up on for time: Postgres cancelled it (statement timeout, 57014),
 * it waited too long for a lock another session holds (55P03), or the client stopped waiting for
 * the answer (node-postgres' query_timeout). The first two rolled the statement back.
 */
export function isStatementTimedOut(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const { code, message, driverError, cause } = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (code === '57014' || code === '55P03') return true;
    if (message === 'Query read timeout') return true;
    e = driverError ?? cause;
  }
  return false;
}

/** Node socket errors on the way to the server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Postgres SQLSTATEs: class 08 (connection exception) is matched by prefix; 57P01 admin shutdown,
 * 57P02 crash shutdown, 57P03 cannot connect now (starting up), 53300 too many connections,
 * 57014 query canceled (the statement timeout).
 */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/** node-postgres and pg-pool raise these without a code. */
const POOL_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;
