import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The API's Prometheus registry: Node's default metrics and a request-duration histogram. A
 * registry of its own (not prom-client's global one) lets several apps share a process in tests.
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();

  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  /** How many single-event requests each group commit of POST /v1/events carried (docs/treatments.md "Events in"). */
  readonly eventGroupRequests = new Histogram({
    name: 'corridor_event_group_commit_requests',
    help: 'Single-event POST /v1/events requests written by one group commit',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
    registers: [this.registry],
  });

  /** Requests the lean events path answered itself (the others went through Express and Nest); see lean-events.path.ts. */
  readonly leanEventRequests = new Counter({
    name: 'corridor_events_lean_path_requests_total',
    help: 'POST /v1/events requests answered by the lean path, without Express and Nest',
    registers: [this.registry],
  });

  /**
   * Rate-limit hits Redis never counted: requests let through because it did not answer within
   * RATE_LIMIT_REDIS_TIMEOUT_MS (the limiter fails open), and hits counted in-process whose settle
   * failed. A fleet can pass a key's limit by these besides the bound in shared-counters.ts.
   */
  readonly rateLimitUncounted = new Counter({
    name: 'corridor_rate_limit_uncounted_hits_total',
    help: 'Rate-limit hits let through without a count in Redis (Redis away or slower than the limiter waits)',
    registers: [this.registry],
  });

  constructor() {
    this.registry.setDefaultLabels({ app: 'api' });
    collectDefaultMetrics({ register: this.registry });
  }

  /** One request's duration, for a request the middleware below did not see (the lean events path). */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /**
   * Express middleware. Labels use the route pattern (`/v1/attributes/:name`), never the raw URL,
   * so ids do not explode the number of series; requests no route matched share one label.
   */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const end = this.requestDuration.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  };
}
