import http from 'node:http';
import https from 'node:https';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Webhook } from 'standardwebhooks';
import { DeliveryAttempt, DestinationAllowList, outcomeOfStatus, parseRetryAfter, SendOutcome, TreatmentSender } from '@corridor/domain';
import { destinationAddressProblem } from './destination-address.resolver';
import { guardedLookup, ResolveAll } from './guarded-lookup';

const tracer = trace.getTracer('corridor-destinations');

/** A webhook destination as the sender needs it: the secret opened (it never leaves this process). */
export interface WebhookDestination {
  id: string;
  url: string;
  /** Standard Webhooks secret: `whsec_` + base64 of the key bytes. */
  secret: string;
  timeoutMs: number;
  /** Requests per second shared by every worker; null: unlimited. */
  rateLimitPerSecond: number | null;
  enabled: boolean;
}

/** A destination's shared send budget (a Redis sliding window in production). */
export interface DestinationThrottle {
  /** 0 when a request may go now; else how long until one may (too long to wait holding the delivery). */
  acquire(): Promise<number>;
  /** After a 429: every process holds off this long. */
  pause(ms: number): Promise<void>;
}

export interface WebhookSenderOptions {
  destination(id: string): Promise<WebhookDestination | null>;
  throttle(destination: WebhookDestination): DestinationThrottle;
  /** Addresses a destination may resolve to although internal (DESTINATION_ALLOWED_HOSTS). */
  allow: DestinationAllowList;
  now?: () => Date;
  userAgent?: string;
  /** Name resolution for connections (tests play a rebinding resolver); the system's by default. */
  resolveAll?: ResolveAll;
}

/** Errors the receiver must never see in our records: keep only a short, secret-free description. */
function describe(e: unknown): string {
  const err = e as { name?: string; code?: string; cause?: { code?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  const code = err?.cause?.code ?? err?.code;
  return typeof code === 'string' ? `network error (${code})` : 'network error';
}

/**
 * Signed webhooks by the Standard Webhooks convention: `webhook-id` is the delivery's webhook id
 * (the same on every attempt and replay, so receivers deduplicate on it), `webhook-timestamp` the
 * attempt's time, `webhook-signature` `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, made by the
 * `standardwebhooks` library receivers verify with. The body is the one rendered at decision
 * time. Redirects are not followed (a 3xx is a refusal): the signature covers one URL. The URL's
 * addresses are checked before each send (SSRF: a name that now resolves inside is refused).
 */
export class WebhookSender implements TreatmentSender {
  readonly types = ['webhook'] as const;
  private readonly now: () => Date;
  /** Connections are kept open between deliveries to the same destination (most go to a few). */
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(private readonly options: WebhookSenderOptions) {
    this.now = options.now ?? (() => new Date());
    // Every new connection checks the address it is about to connect to (DNS rebinding).
    const lookup = guardedLookup(options.allow, options.resolveAll);
    this.agents = { http: new http.Agent({ keepAlive: true, maxSockets: 256, lookup }), https: new https.Agent({ keepAlive: true, maxSockets: 256, lookup }) };
  }

  async send(attempt: DeliveryAttempt): Promise<SendOutcome> {
    if (!attempt.destinationId) return { kind: 'permanent', error: 'the delivery names no destination' };
    const destination = await this.options.destination(attempt.destinationId);
    if (!destination) return { kind: 'permanent', error: 'the destination no longer exists' };
    if (!destination.enabled) return { kind: 'permanent', error: 'the destination is disabled' };
    let signer: Webhook;
    try {
      signer = new Webhook(destination.secret);
    } catch {
      return { kind: 'permanent', error: 'the destination secret is not a Standard Webhooks secret (whsec_ + base64)' };
    }
    // Checked again at every send: DNS can point a saved name somewhere internal later.
    try {
      const refused = await destinationAddressProblem(destination.url, this.options.allow);
      if (refused) return { kind: 'permanent', error: `the destination address is refused: ${refused.message}` };
    } catch {
      return { kind: 'retryable', error: 'the destination name could not be resolved' };
    }
    const body = JSON.stringify(attempt.request.body ?? null);
    const throttle = this.options.throttle(destination);
    const wait = await throttle.acquire();
    if (wait > 0) return { kind: 'deferred', delayMs: wait, reason: 'the destination is paused or at its rate limit' };
    const sentAt = this.now();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent ?? 'Corridor-Webhooks/1',
      'webhook-id': attempt.webhookId,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': signer.sign(attempt.webhookId, sentAt, body),
    };
    let res: { status: number; retryAfter: string | null };
    // A client span in the dispatch job's trace (a no-op without the SDK); the receiver gets its
    // traceparent, so a traced receiver continues the trace that began with the event.
    const span = tracer.startSpan('webhook POST', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'corridor.webhook.id': attempt.webhookId } });
    const traced = trace.setSpan(context.active(), span);
    propagation.inject(traced, headers);
    try {
      res = await post(destination.url, headers, body, destination.timeoutMs, this.agents);
      span.setAttribute('http.response.status_code', res.status);
      if (res.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      if ((e as { code?: string }).code === 'DESTINATION_ADDRESS_REFUSED') {
        return { kind: 'permanent', error: `the destination address is refused: ${(e as Error).message.replace(/^connection refused by Corridor: /, '')}` };
      }
      return { kind: 'retryable', error: describe(e) };
    } finally {
      span.end();
    }
    const retryAfter = parseRetryAfter(res.retryAfter, this.now());
    if (res.status === 429) await throttle.pause(retryAfter ?? 1000);
    return outcomeOfStatus(res.status, retryAfter);
  }
}

/**
 * One POST with node's http client rather than fetch, which costs several times the CPU per request
 * (web streams, abort signals) on the dispatch hot path. Redirects are never followed (a 3xx is an
 * answer); the timeout covers the whole exchange, the answer's body drained (and not kept) so the
 * connection is reused.
 */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  agents: { http: http.Agent; https: https.Agent },
): Promise<{ status: number; retryAfter: string | null }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    let timer: NodeJS.Timeout | undefined;
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    const req = (secure ? https : http).request(
      target,
      { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: secure ? agents.https : agents.http },
      (res) => {
        res.on('error', fail);
        res.on('end', () => {
          clearTimeout(timer);
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : (retryAfter ?? null) });
        });
        res.resume();
      },
    );
    timer = setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })), timeoutMs);
    req.on('error', fail);
    req.end(body);
  });
}
