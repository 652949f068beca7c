import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex, PassThrough } from 'node:stream';
import type { GuardedAgents } from '@corridor/destinations';
import { createHttpRequestHandlerStreams, isRedirect, performRedirectRequest } from 'jsforce/lib/request-helper';
import { Transport } from 'jsforce/lib/transport';
import type { HttpRequest, HttpRequestOptions, HttpResponse } from 'jsforce/lib/types';
import { StreamPromise } from 'jsforce/lib/util/promise';

/** jsforce's own fetch wrapper gives up after this long too. */
const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
/**
 * A failure after the answer's headers (a connection cut part-way through the body). jsforce reads
 * the body in an async 'response' listener that rejects, unhandled, on the stream's 'error': so
 * such a failure fails the request through this event instead, and the body stream just ends.
 */
const BODY_CUT = 'corridor:body-cut';

/**
 * jsforce's transport, sending through the guarded agents. jsforce takes no agent of ours (its
 * fetch wrapper only knows a proxy), so without this the login URL, and the instance URL a login
 * server answers with, would be connected to unchecked. No retries here: CrmCallRunner retries
 * and budgets every call (a retry hidden in the client would go uncounted).
 */
export class GuardedSalesforceTransport extends Transport {
  /**
   * Status and headers of the latest answer, or null while a request is under way without one.
   * jsforce's errors keep only the body, so a refusal's Retry-After is read from here. One
   * connector makes one request at a time (CrmCallRunner), so the latest is the failed one's.
   */
  lastResponse: { status: number; headers: Record<string, string> } | null = null;

  constructor(private readonly agents: GuardedAgents) {
    super();
  }

  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}): StreamPromise<HttpResponse> {
    return StreamPromise.create(() => {
      const stream = this.getRequestStreamCreator()(req, options);
      const promise = new Promise<HttpResponse>((resolve, reject) => {
        stream.on('complete', resolve).on('error', reject).on(BODY_CUT, reject);
      });
      return { stream, promise };
    });
  }

  override getRequestStreamCreator(): (req: HttpRequest, options: HttpRequestOptions) => Duplex {
    return (req, options) => {
      const { input, output, stream } = createHttpRequestHandlerStreams(req, options);
      this.send(req, options, input, output, stream, 0);
      return stream;
    };
  }

  private send(req: HttpRequest, options: HttpRequestOptions, input: PassThrough | undefined, output: PassThrough, emitter: Duplex, redirects: number): void {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (e) {
      process.nextTick(() => emitter.emit('error', e));
      return;
    }
    this.lastResponse = null;
    let responded = false;
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(
      url,
      { method: req.method, headers: req.headers as http.OutgoingHttpHeaders, agent: secure ? this.agents.https : this.agents.http },
      (res) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        const response = { statusCode: res.statusCode ?? 0, headers };
        this.lastResponse = { status: response.statusCode, headers };
        if (options.followRedirect && isRedirect(response.statusCode)) {
          res.resume();
          try {
            // The next host is checked by the same agents. A relative Location is resolved against this
            // request; the session token goes only to the origin it was sent to, never to another host.
            if (response.headers.location) response.headers.location = new URL(response.headers.location, url).toString();
            performRedirectRequest(req, response, options.followRedirect, redirects, (next) =>
              this.send(new URL(next.url).origin === url.origin ? next : withoutCredentials(next), options, undefined, output, emitter, redirects + 1),
            );
          } catch (e) {
            emitter.emit('error', e);
          }
          return;
        }
        res.on('error', (e) => {
          emitter.emit(BODY_CUT, e);
          output.end();
        });
        responded = true;
        emitter.emit('response', response);
        res.pipe(output);
      },
    );
    request.setTimeout(options.timeout ?? DEFAULT_TIMEOUT_MS, () => request.destroy(new Error('Request Timeout')));
    request.on('error', (e) => (responded ? emitter.emit(BODY_CUT, e) : emitter.emit('error', e)));
    if (input && /^(post|put|patch)$/i.test(req.method)) input.pipe(request);
    else request.end();
  }
}

/** A redirected request bound for another origin, without the headers that carry the session. */
function withoutCredentials(req: HttpRequest): HttpRequest {
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).filter(([name]) => !/^(authorization|cookie)$/i.test(name)));
  return { ...req, headers };
}
