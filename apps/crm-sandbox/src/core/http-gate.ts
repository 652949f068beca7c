import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { FaultInjector } from './fault-injector';
import type { FaultKind, RequestStats } from './request-stats';

export interface GateHooks {
  stats: RequestStats;
  faults: FaultInjector;
  /** Route pattern used as the counter key, e.g. "POST /crm/v3/objects/contacts/search". */
  endpointLabel(method: string, path: string): string;
  /** The CRM's own error body for an injected status (`storm`: a refusal of a 429 storm). */
  faultBody(status: number, storm: boolean): { body: unknown; headers?: Record<string, string> };
}

const HTML_ERROR = (status: number): string =>
  `<html>\r\n<head><title>${status} Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n</body>\r\n</html>\r\n`;

/**
 * First middleware of each CRM: counts the request, then applies injected latency and faults
 * before auth or rate limits run, the way a failing load balancer would.
 */
export function crmGate(hooks: GateHooks): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    hooks.stats.recordRequest(hooks.endpointLabel(req.method, req.path));
    let injected: FaultKind | undefined;
    res.once('finish', () => hooks.stats.recordStatus(res.statusCode, injected));
    const action = hooks.faults.decide(req.method, req.originalUrl);
    const delay = hooks.faults.latency();
    const proceed = (): void => {
      if (action.kind === 'none') {
        next();
        return;
      }
      hooks.stats.recordFault();
      if (action.kind === 'drop-after') {
        // Handled as usual; the answer is swallowed and the connection destroyed in its place.
        res.writeHead = (() => res) as unknown as Response['writeHead'];
        res.write = (() => true) as Response['write'];
        res.end = (() => {
          hooks.stats.recordStatus('dropped', 'drop');
          req.socket.destroy();
          return res;
        }) as Response['end'];
        next();
        return;
      }
      if (action.kind === 'drop') {
        hooks.stats.recordStatus('dropped', 'drop');
        dropConnection(req, res, action.style);
        return;
      }
      injected = action.storm ? 'storm' : 'error';
      if (action.html) {
        res.status(action.status).type('text/html').send(HTML_ERROR(action.status));
        return;
      }
      const fallback = hooks.faultBody(action.status, action.storm === true);
      const body = action.body !== undefined ? action.body : fallback.body;
      res.status(action.status).set({ ...(fallback.headers ?? {}), ...(action.headers ?? {}) }).json(body);
    };
    if (delay > 0) {
      // A client that gave up (closed its connection) during the injected latency is not answered: the
      // timer would otherwise outlive it, and the sandbox's close, by up to the whole latency.
      const timer = setTimeout(proceed, delay);
      res.once('close', () => clearTimeout(timer));
    } else proceed();
  };
}

function dropConnection(req: Request, res: Response, style: 'immediate' | 'mid-body'): void {
  const socket = req.socket;
  if (style === 'immediate') {
    socket.destroy();
    return;
  }
  // Promise a longer body than is sent, so the client sees a truncated response, not a clean one.
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '4096' });
  res.write('{"results":[{"id":"');
  setImmediate(() => socket.destroy());
}

/** Adds headers to every response of a request, including errors produced later in the chain. */
export function setHeaders(res: Response, headers: Record<string, string | number>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, String(value));
}
