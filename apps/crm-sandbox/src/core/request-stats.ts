export interface CrmStats {
  total: number;
  /** Requests refused with 429 (rate limits). */
  rateLimited: number;
  /** Requests answered by the fault injector (status or dropped connection). */
  faulted: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
}

/** Per-CRM request accounting; benchmarks compare requests used against the budget. */
export class RequestStats {
  private total = 0;
  private rateLimited = 0;
  private faulted = 0;
  private byEndpoint = new Map<string, number>();
  private byStatus = new Map<string, number>();

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
    };
  }

  reset(): void {
    this.total = 0;
    this.rateLimited = 0;
    this.faulted = 0;
    this.byEndpoint = new Map();
    this.byStatus = new Map();
  }
}
