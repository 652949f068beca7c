import { Rng } from './prng';

export interface FaultOptions {
  /** Share of requests (0..1) answered with one of `errorStatuses` instead of being handled. */
  errorRate: number;
  errorStatuses: number[];
  /** Added to every request before it is handled. */
  latencyMs: number;
  latencyJitterMs: number;
  /** Share of requests (0..1) whose connection is destroyed instead of answered. */
  dropRate: number;
  /** immediate: no byte is written; mid-body: headers and half of a body are written first. */
  dropStyle: 'immediate' | 'mid-body';
  /** Answer injected 5xx with an HTML page, as load balancers in front of the real APIs do. */
  htmlErrorBodies: boolean;
  /**
   * Share of requests (0..1) that set off a 429 storm: for `stormMs` (real time) every request is
   * refused with 429 in the CRM's rate-limit shape, as when another app on the same account spends
   * the shared burst allowance. `Retry-After` (whole seconds, at least 1) says when the storm ends,
   * unless `stormRetryAfter` is false (HubSpot does not always send it).
   */
  stormRate: number;
  stormMs: number;
  stormRetryAfter: boolean;
  /**
   * Status of a storm's refusals: 429 (HubSpot, and what gateways in front of an API answer), or 403,
   * Salesforce's own answer when the org's concurrent-request limit is spent (REQUEST_LIMIT_EXCEEDED).
   */
  stormStatus: number;
}

export const DEFAULT_FAULTS: FaultOptions = {
  errorRate: 0,
  errorStatuses: [500, 502, 503],
  latencyMs: 0,
  latencyJitterMs: 0,
  dropRate: 0,
  dropStyle: 'immediate',
  htmlErrorBodies: false,
  stormRate: 0,
  stormMs: 2000,
  stormRetryAfter: true,
  stormStatus: 429,
};

/** "Fail the next N requests matching X": deterministic faults for tests. */
export interface FailRule {
  /** Substring of the request path, or a regular expression written as /.../. */
  path: string;
  method?: string;
  /**
   * HTTP status to answer with, 'drop' to destroy the connection instead of handling the request, or
   * 'drop-after' to handle it (the write is committed) and destroy the connection instead of answering:
   * the client cannot tell whether its write landed.
   */
  status: number | 'drop' | 'drop-after';
  count?: number;
  /** Matching requests let through before the rule starts failing (e.g. the third batch of a write). */
  after?: number;
  /** Body to answer with; defaults to the CRM's own error shape for that status. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type FaultAction =
  | { kind: 'none' }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string>; html: boolean; storm?: boolean }
  | { kind: 'drop'; style: 'immediate' | 'mid-body' }
  | { kind: 'drop-after' };

interface ActiveRule {
  matcher: (path: string) => boolean;
  method: string | undefined;
  status: number | 'drop' | 'drop-after';
  remaining: number;
  passes: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private draws = 0;
  /** Real time (ms) at which the current 429 storm ends; 0: none. */
  private stormUntil = 0;

  constructor(
    public options: FaultOptions,
    private readonly seed: number,
  ) {}

  configure(patch: Partial<FaultOptions>): void {
    this.options = { ...this.options, ...patch };
  }

  failNext(rule: FailRule): void {
    const path = rule.path;
    const matcher =
      path.length > 2 && path.startsWith('/') && path.endsWith('/') && !path.startsWith('//')
        ? regexMatcher(path.slice(1, -1))
        : (candidate: string) => candidate.includes(path);
    this.rules.push({
      matcher,
      method: rule.method?.toUpperCase(),
      status: rule.status,
      remaining: rule.count ?? 1,
      passes: rule.after ?? 0,
      body: rule.body,
      headers: rule.headers,
    });
  }

  clearRules(): void {
    this.rules = [];
    this.stormUntil = 0;
  }

  pendingRules(): number {
    return this.rules.reduce((sum, rule) => sum + rule.remaining, 0);
  }

  latency(): number {
    const { latencyMs, latencyJitterMs } = this.options;
    if (latencyMs <= 0 && latencyJitterMs <= 0) return 0;
    return Math.max(0, latencyMs + (latencyJitterMs > 0 ? this.draw() * latencyJitterMs : 0));
  }

  decide(method: string, path: string): FaultAction {
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method !== method) continue;
      if (!rule.matcher(path)) continue;
      if (rule.passes > 0) {
        rule.passes--;
        break;
      }
      rule.remaining--;
      this.rules = this.rules.filter((r) => r.remaining > 0);
      if (rule.status === 'drop') return { kind: 'drop', style: this.options.dropStyle };
      if (rule.status === 'drop-after') return { kind: 'drop-after' };
      return { kind: 'status', status: rule.status, body: rule.body, headers: rule.headers, html: false };
    }
    const { dropRate, errorRate, errorStatuses, htmlErrorBodies, stormRate, stormMs, stormRetryAfter, stormStatus } = this.options;
    const now = Date.now();
    if (now >= this.stormUntil && stormRate > 0 && stormMs > 0 && this.draw() < stormRate) this.stormUntil = now + stormMs;
    if (now < this.stormUntil) {
      const headers: Record<string, string> = stormRetryAfter ? { 'Retry-After': String(Math.max(1, Math.ceil((this.stormUntil - now) / 1000))) } : {};
      return { kind: 'status', status: stormStatus || 429, headers, html: false, storm: true };
    }
    if (dropRate > 0 && this.draw() < dropRate) return { kind: 'drop', style: this.options.dropStyle };
    if (errorRate > 0 && errorStatuses.length > 0 && this.draw() < errorRate) {
      const status = errorStatuses[Math.floor(this.draw() * errorStatuses.length)] as number;
      return { kind: 'status', status, html: htmlErrorBodies };
    }
    return { kind: 'none' };
  }

  private draw(): number {
    return new Rng(this.seed, this.draws++, 0xfa).float();
  }
}

function regexMatcher(source: string): (path: string) => boolean {
  const re = new RegExp(source);
  return (path) => re.test(path);
}
