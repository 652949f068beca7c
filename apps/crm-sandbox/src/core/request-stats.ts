export interface CrmStats {
  total: number;
  /** Requests refused with 429 (rate limits). */
  rateLimited: number;
  /** Requests answered by the fault injector (status or dropped connection). */
  faulted: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
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

  recordResults(endpoint: string, count: number): void {
    this.resultsByEndpoint.set(endpoint, (this.resultsByEndpoint.get(endpoint) ?? 0) + count);
  }

  recordRequest(endpoint: string): void {
    this.total++;
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1);
  }

  recordStatus(status: number | 'dropped'): void {
    const key = String(status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    if (status === 429) this.rateLimited++;
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
      resultsByEndpoint: Object.fromEntries([...this.resultsByEndpoint].sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  reset(): void {
    this.total = 0;
    this.rateLimited = 0;
    this.faulted = 0;
    this.byEndpoint = new Map();
    this.byStatus = new Map();
    this.resultsByEndpoint = new Map();
  }
}
