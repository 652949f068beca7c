/** How a request was answered by the fault injector: an injected status, a 429 storm, a dropped connection. */
export type FaultKind = 'error' | 'storm' | 'drop';

/**
 * What became of each request: handled (answered by the CRM itself, by status class), refused by its
 * own rate limits, or cut short by an injected fault (status, storm 429, dropped connection).
 */
export interface CrmOutcomes {
  ok: number;
  clientError: number;
  serverError: number;
  rateLimited: number;
  injectedError: number;
  injectedStorm: number;
  dropped: number;
}

export interface CrmStats {
  total: number;
  /** Requests refused with 429 (rate limits). */
  rateLimited: number;
  /** Requests answered by the fault injector (status or dropped connection). */
  faulted: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  /** Every request counted once, by outcome (a dropped connection has no status). */
  byOutcome: CrmOutcomes;
  /** Records returned, by endpoint (list and search pages): how much a reader read, not just how often. */
  resultsByEndpoint: Record<string, number>;
}

/** Per-CRM request accounting; benchmarks compare requests used against the budget. */
export class RequestStats {
  private total = 0;
  private rateLimited = 0;
  private faulted = 0;
  private byEndpoint = new Map<string, number>();
  private byStatus = new Map<string, number>();
  private resultsByEndpoint = new Map<string, number>();
  private byOutcome: CrmOutcomes = emptyOutcomes();

  recordResults(endpoint: string, count: number): void {
    this.resultsByEndpoint.set(endpoint, (this.resultsByEndpoint.get(endpoint) ?? 0) + count);
  }

  recordRequest(endpoint: string): void {
    this.total++;
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1);
  }

  recordStatus(status: number | 'dropped', injected?: FaultKind): void {
    const key = String(status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    if (status === 429) this.rateLimited++;
    const o = this.byOutcome;
    if (injected === 'drop' || status === 'dropped') o.dropped++;
    else if (injected === 'storm') o.injectedStorm++;
    else if (injected === 'error') o.injectedError++;
    else if (status === 429) o.rateLimited++;
    else if (status >= 500) o.serverError++;
    else if (status >= 400) o.clientError++;
    else o.ok++;
  }

  recordFault(): void {
    this.faulted++;
  }

  snapshot(): CrmStats {
    return {
      total: this.total,
      rateLimited: this.rateLimited,
      faulted: this.faulted,
      byEndpoint: Object.fromEntries([...this.byEndpoint].sort(([a], [b]) => a.localeCompare(b))),
      byStatus: Object.fromEntries(this.byStatus),
      byOutcome: { ...this.byOutcome },
      resultsByEndpoint: Object.fromEntries([...this.resultsByEndpoint].sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  reset(): void {
    this.total = 0;
    this.rateLimited = 0;
    this.faulted = 0;
    this.byEndpoint = new Map();
    this.byStatus = new Map();
    this.byOutcome = emptyOutcomes();
    this.resultsByEndpoint = new Map();
  }
}

function emptyOutcomes(): CrmOutcomes {
  return { ok: 0, clientError: 0, serverError: 0, rateLimited: 0, injectedError: 0, injectedStorm: 0, dropped: 0 };
}
