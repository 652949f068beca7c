import { CRM_ERROR, CrmError, RequestStats } from '@corridor/domain';
import { withTimeout } from '@corridor/observability';
import { CrmCallAttempt } from './crm-call-attempt';
import { BudgetLane, RequestBudget } from './rate-limit/request-budget';

export interface CallRunnerOptions {
  /** Attempts per call for transient failures (429, 5xx, timeouts, dropped connections). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /**
   * The longest one attempt may take, answer body included; then it counts as a dropped connection
   * (transient) and is retried. Without it a connection cut part-way through a body with a
   * Content-Length hangs forever: node-fetch 2 (under @hubspot/api-client and jsforce) only notices
   * a premature close on chunked bodies. 0 disables.
   */
  callTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The default bound of one CRM request (CRM_CALL_TIMEOUT_MS). */
export const CRM_CALL_TIMEOUT_MS = 60_000;

/**
 * Every CRM request goes through here: it waits for the connection's budget, counts the request,
 * and retries transient failures with exponential backoff (a 429 also pauses the whole
 * connection's budget for Retry-After, so other workers hold off too). Permanent errors surface at
 * once. The official clients' own retries stay off, so every request is counted and budgeted.
 */
export class CrmCallRunner {
  private stats: RequestStats = { requests: 0, rateLimited: 0, retries: 0 };
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly callTimeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly budget: RequestBudget,
    private readonly classify: (error: unknown) => CrmError,
    options: CallRunnerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 15_000;
    this.callTimeoutMs = options.callTimeoutMs ?? CRM_CALL_TIMEOUT_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async run<T>(lanes: readonly BudgetLane[], call: () => Promise<T>): Promise<T> {
    return this.attempts(lanes, call, () => true);
  }

  /**
   * A call that is not idempotent (a create): retried only after a 429, which the CRM refused before
   * doing anything. A lost answer (timeout, dropped connection, 5xx) may hide a committed write, so it
   * surfaces to the caller, whose retry must first look for what the lost attempt made.
   */
  runOnce<T>(lanes: readonly BudgetLane[], call: () => Promise<T>): Promise<T> {
    return this.attempts(lanes, call, (error) => error.code === CRM_ERROR.rateLimited);
  }

  private async attempts<T>(lanes: readonly BudgetLane[], call: () => Promise<T>, retryable: (error: CrmError) => boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      for (const lane of lanes) await this.budget.acquire(lane);
      this.stats.requests++;
      try {
        return await this.bounded(call);
      } catch (e) {
        // A timed-out attempt is a dropped connection whatever the last answer seen was.
        const error = e instanceof CrmCallTimeout ? new CrmError(CRM_ERROR.unavailable, `The CRM sent ${e.message}`) : this.classify(e);
        if (!error.transient || !retryable(error) || attempt >= this.maxAttempts) throw error;
        const backoff = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1)) + Math.floor(Math.random() * 100);
        let delay = backoff;
        if (error.code === CRM_ERROR.rateLimited) {
          this.stats.rateLimited++;
          // Without Retry-After, a rolling window frees a slot within about a second.
          delay = error.retryAfterMs ?? Math.max(1000, backoff);
          await this.budget.pause(delay);
        }
        this.stats.retries++;
        await this.sleep(delay);
      }
    }
  }

  /**
   * One attempt, its requests aborted when it times out (their sockets closed, see CrmCallAttempt):
   * an abandoned request neither holds a connection open nor lands later unseen.
   */
  private async bounded<T>(call: () => Promise<T>): Promise<T> {
    if (!this.callTimeoutMs) return call();
    const attempt = new CrmCallAttempt();
    try {
      return await withTimeout(attempt.run(call), this.callTimeoutMs, () => {
        const timeout = new CrmCallTimeout(this.callTimeoutMs);
        attempt.abort(timeout);
        return timeout;
      });
    } finally {
      attempt.release();
    }
  }

  takeStats(): RequestStats {
    const s = this.stats;
    this.stats = { requests: 0, rateLimited: 0, retries: 0 };
    return s;
  }
}

/** One attempt that got no complete answer in time: classified as a network failure (transient). */
export class CrmCallTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`);
    this.name = 'CrmCallTimeout';
  }
}

/** Network-level failures (refused, reset, timed out, dropped mid-body) are worth a retry. */
export function isNetworkError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  const type = (e as { type?: unknown })?.type;
  const name = (e as { name?: unknown })?.name;
  return (
    (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|EHOSTUNREACH|UND_ERR_|ERR_STREAM_PREMATURE_CLOSE)/.test(code)) ||
    type === 'system' ||
    type === 'request-timeout' ||
    type === 'body-timeout' ||
    name === 'AbortError' ||
    (e instanceof Error && /socket hang up|premature close|invalid json response body|Unexpected end of JSON/i.test(e.message))
  );
}

/** Retry-After: seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export { CrmError };

/**
 * The refusal of the guarded agents (an internal address CRM_ALLOWED_HOSTS does not admit), however
 * the client wrapped it (node-fetch keeps the code, jsforce the message): permanent, never retried.
 */
export function addressRefusal(e: unknown, crm: string): CrmError | null {
  for (let cur = e as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; cur && depth < 4; cur = cur.cause as typeof cur, depth++) {
    const message = typeof cur.message === 'string' ? cur.message : '';
    if (cur.code === CRM_ERROR.addressRefused || /connection refused by Corridor/.test(message)) {
      const reason = /connection refused by Corridor: ([^]*)$/.exec(message)?.[1] ?? 'an internal address';
      return new CrmError(CRM_ERROR.addressRefused, `${crm} was not called: ${reason}`, undefined, 400);
    }
  }
  return null;
}
