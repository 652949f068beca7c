import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import { roleSatisfies } from '@corridor/domain';
import { correlationIdFrom, CORRELATION_HEADER, traceRequest } from '@corridor/observability';
import { currentTraceparent } from '@corridor/persistence';
import { ApiKeyCache } from '../auth/api-key.cache';
import { presentedKeyOf } from '../auth/api-key.guard';
import type { RouteAccess } from '../auth/roles.decorator';
import { errorResponseOf } from '../errors/error-response';
import { inputProblemsOf } from '../input/input-problems';
import { ApiMetrics } from '../metrics/api-metrics';
import { FailedAuthLimiter } from '../rate-limit/failed-auth.limiter';
import { keyTracker, RATE_LIMIT_THROTTLER, rateLimitKey } from '../rate-limit/rate-limit.guard';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage';
import { EventsService, SingleEventItem } from './events.service';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The one route the lean path takes, as Express's router names it (metrics, traces, logs). */
const ROUTE = '/v1/events';
/** Where the route lives in Nest (its rate-limit counter's key, its log lines). */
const CONTROLLER = 'EventsController';
const HANDLER = 'ingest';
/** A single event is at most ~18 KB (16 KB of properties); larger bodies are batches: left to Express unread. */
export const LEAN_MAX_BODY_BYTES = 64 * 1024;
/** Content types taken as they are; any other spelling goes to Express, whose parser decides. */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);
/** A body-parser error met while the lean path read the body, handed to Express's error handling. */
const HANDED_OVER_ERROR = Symbol('corridor.lean-events.body-error');

export interface LeanEventsDeps {
  events: EventsService;
  keys: ApiKeyCache;
  failures: FailedAuthLimiter;
  rateLimits: RateLimitStorage;
  /** Requests per window for an integration key (0: unlimited, no counter). */
  integrationLimit: number;
  metrics: ApiMetrics;
  /** The parser Express uses for the route: the body is read once, by the same code, with the same limit. */
  parseBody: Middleware;
  /** Express's `etag fn`: the answer carries the ETag Express would give it. */
  etag: (body: Buffer) => string | undefined;
  /** EventsController.ingest's @Roles. */
  access: RouteAccess;
  /** pino-http's logger (the access log line); read when first needed, as nestjs-pino sets it at init. */
  accessLog: () => Pino | undefined;
}

/**
 * Why this exists: single-event `POST /v1/events` is the one route producers call thousands of
 * times a second, and there the framework, not Corridor, was the cost (docs/benchmarks.md,
 * bench:load: Express routing and body parsing, pino-http, Nest's guards, pipes and interceptors,
 * three async contexts, ~0.9 ms of CPU per request). This request listener sits in front of
 * Express and answers only the plain case: a JSON body of ONE event that passes the route's checks
 * (single-event.check.ts, the input guard's text and depth checks, a customer reference that
 * parses), from an integration key this process verified within the last second (ApiKeyCache),
 * whose rate-limit count can be kept in-process (SharedCounters, the same counter as the guard's),
 * while no client address is blocked for failed keys. It stores the event through the same
 * EventsService and group commit as the controller and answers what Nest would: the same status,
 * body, X-Request-Id, X-RateLimit-* and ETag headers, the same request metric and access log line.
 *
 * Anything else goes to Express unchanged, and nothing is counted or written before that choice:
 * a body already read is left on `req.body` (body-parser skips a request whose stream has ended),
 * and a body-parser error is handed to Express's error handling (handOff). A key's first request
 * (and the first after it went unused for half a second: ApiKeyCache renews keys in steady use in
 * the background) and any refusal therefore go the long way; the answers are compared path
 * against path by apps/api/test/lean-events.e2e-spec.ts. EVENTS_LEAN_PATH=0 turns it off.
 */
export class LeanEventsPath {
  private readonly logger = new Logger('ApiExceptionFilter');
  /** Rate-limit counter keys by API key id (a SHA-256 each; bounded). */
  private readonly counterKeys = new Map<string, string>();

  constructor(private readonly deps: LeanEventsDeps) {}

  /** A request listener answering what it can and giving the rest to `next` (Express). */
  listener(next: RequestListener): RequestListener {
    return (req, res) => {
      if (!this.candidate(req)) return next(req, res);
      const arrived = process.hrtime.bigint();
      const arrivedMs = Date.now();
      this.deps.parseBody(req, res, (err) => {
        if (err !== undefined) {
          (req as HandedOver)[HANDED_OVER_ERROR] = err;
          return next(req, res);
        }
        let taken = false;
        try {
          const ready = this.ready(req);
          if (ready) {
            taken = true;
            this.answer(req, res, ready, arrived, arrivedMs).catch((e: unknown) => {
              this.logger.error({ method: req.method, route: ROUTE, err: e }, 'request failed');
              if (!res.headersSent) res.destroy();
            });
          }
        } catch (e) {
          // Nothing counted or written before `taken`: Express can take the request as it is.
          if (taken) throw e;
        }
        if (!taken) next(req, res);
      });
    };
  }

  /** Express middleware, before the body parsers: the lean path's body-parser error, as the parser would have raised it. */
  readonly handOff = (req: IncomingMessage, _res: ServerResponse, next: (err?: unknown) => void): void => {
    const err = (req as HandedOver)[HANDED_OVER_ERROR];
    if (err === undefined) return next();
    delete (req as HandedOver)[HANDED_OVER_ERROR];
    next(err);
  };

  /** Headers only: a POST to the exact path, plain JSON, a small declared length. */
  private candidate(req: IncomingMessage): boolean {
    if (req.method !== 'POST' || req.url !== ROUTE) return false;
    const h = req.headers;
    const type = h['content-type'];
    if (type === undefined || !JSON_TYPES.has(type.toLowerCase())) return false;
    if (h['transfer-encoding'] !== undefined || h['content-encoding'] !== undefined) return false;
    const length = Number(h['content-length']);
    return length > 0 && length <= LEAN_MAX_BODY_BYTES;
  }

  /**
   * The checks Nest's guards, pipe and EventsService would make, in a form that only says yes:
   * the event to store and the rate-limit state after counting it, or null (nothing counted).
   */
  private ready(req: IncomingMessage): Ready | null {
    const { keys, failures, events, rateLimits, integrationLimit, access } = this.deps;
    const body = (req as { body?: unknown }).body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
    // ApiKeyGuard: a blocked address is refused before its key is looked at, and we cannot tell
    // the client's address as Express does (trust proxy) without Express.
    if (failures.enabled && failures.anyBlocked()) return null;
    // Hashed once: a request handed to Express carries the hash to ApiKeyGuard.
    const presented = presentedKeyOf(req);
    if (!presented) return null;
    const verified = keys.peek(presented);
    // Admin keys go the long way: their writes are audited (AuditInterceptor).
    if (!verified || verified.state !== 'active' || verified.apiKey.role !== 'integration' || !roleSatisfies(verified.apiKey.role, access as Exclude<RouteAccess, { public: true }>)) {
      return null;
    }
    // RequestInputGuard: NUL bytes, lone surrogates, nesting.
    const problems = inputProblemsOf(body);
    if (problems.tooDeep || problems.text.length > 0) return null;
    const item = events.singleEvent(body as Record<string, unknown>);
    if (!item) return null;
    // RateLimitGuard, last: once counted, this path answers.
    if (integrationLimit === 0) return { item };
    const counted = rateLimits.incrementLocally(this.counterKey(verified.apiKey.id), integrationLimit, RATE_LIMIT_THROTTLER);
    if (!counted) return null;
    return { item, rateLimit: { limit: integrationLimit, remaining: Math.max(0, integrationLimit - counted.totalHits), reset: counted.timeToExpire } };
  }

  private async answer(req: IncomingMessage, res: ServerResponse, ready: Ready, arrived: bigint, arrivedMs: number): Promise<void> {
    const correlationId = correlationIdFrom(req.headers[CORRELATION_HEADER]);
    (req as { id?: unknown }).id = correlationId;
    // In the order Express and the guards set them.
    res.setHeader('X-Request-Id', correlationId);
    if (ready.rateLimit) {
      res.setHeader('X-RateLimit-Limit', String(ready.rateLimit.limit));
      res.setHeader('X-RateLimit-Remaining', String(ready.rateLimit.remaining));
      res.setHeader('X-RateLimit-Reset', String(ready.rateLimit.reset));
    }
    let status = 202;
    let payload: unknown;
    try {
      payload = await traceRequest(req, res, ROUTE, () => this.deps.events.ingestSingle(ready.item, correlationId, currentTraceparent() ?? undefined));
    } catch (e) {
      // What ApiExceptionFilter does with the same error.
      const { status: errorStatus, body, log } = errorResponseOf(e);
      status = errorStatus;
      payload = body;
      const where = { method: req.method, route: ROUTE, status, code: body.code, correlationId };
      if (log === 'error') this.logger.error({ ...where, err: e }, 'request failed');
      else this.logger.debug({ ...where, details: body.details }, 'request refused');
    }
    this.send(res, status, payload);
    const { metrics } = this.deps;
    metrics.observeRequest('POST', ROUTE, status, Number(process.hrtime.bigint() - arrived) / 1e9);
    metrics.leanEventRequests.inc();
    this.logAccess(req, res, correlationId, Date.now() - arrivedMs);
  }

  /** Express's res.json: the same serialisation and headers. */
  private send(res: ServerResponse, status: number, payload: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', String(body.length));
    const etag = this.deps.etag(body);
    if (etag) res.setHeader('ETag', etag);
    res.end(body);
  }

  /** pino-http's line for the request (its serializers, level by status, message), in one call instead of a child logger per request. */
  private logAccess(req: IncomingMessage, res: ServerResponse, correlationId: string, responseTime: number): void {
    const log = this.deps.accessLog();
    if (!log) return;
    const status = res.statusCode;
    if (status >= 500) {
      log.error({ req, correlationId, res, err: new Error(`failed with status code ${status}`), responseTime }, 'request errored');
    } else {
      log[status >= 400 ? 'warn' : 'info']({ req, correlationId, res, responseTime }, 'request completed');
    }
  }

  private counterKey(keyId: string): string {
    let key = this.counterKeys.get(keyId);
    if (key === undefined) {
      if (this.counterKeys.size >= 10_000) this.counterKeys.clear();
      key = rateLimitKey(CONTROLLER, HANDLER, RATE_LIMIT_THROTTLER, keyTracker(keyId));
      this.counterKeys.set(keyId, key);
    }
    return key;
  }
}

interface Ready {
  item: SingleEventItem;
  rateLimit?: { limit: number; remaining: number; reset: number };
}

type HandedOver = IncomingMessage & { [HANDED_OVER_ERROR]?: unknown };
