import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

export interface Tracing {
  /** Flushes spans not yet exported and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry traces, off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT):
 * then the Node SDK exports spans over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`, with W3C trace
 * context propagation. Call before the app is created. No auto-instrumentation packages: the api's
 * request span comes from tracingMiddleware, jobs' spans from BullMQ's own telemetry (bullmq-otel).
 */
export function startTracing(serviceName: string, endpoint: string | undefined): Tracing | null {
  if (!endpoint) return null;
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }),
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

const tracer = trace.getTracer('corridor-api');

/**
 * One server span per request, continuing a caller's `traceparent`, named by route pattern once
 * routing is done. Everything the request does runs inside it, so the jobs it enqueues (BullMQ
 * telemetry) become its children. Without the SDK started the API is a no-op tracer: no cost.
 */
export function tracingMiddleware(req: Request, res: Response, next: NextFunction): void {
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(`${req.method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
  res.once('finish', () => {
    const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : undefined;
    if (route) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}

/**
 * tracingMiddleware's span for a request answered outside Express (the API's lean events path),
 * whose route is known before it runs: `fn` runs inside the span, which ends with the response.
 */
export function traceRequest<T>(req: IncomingMessage, res: ServerResponse, route: string, fn: () => T): T {
  const method = req.method ?? 'GET';
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(`${method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
  res.once('finish', () => {
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  return context.with(trace.setSpan(parent, span), fn);
}

const relayTracer = trace.getTracer('corridor-outbox');

/**
 * Runs `fn` (the relay enqueueing a batch of outbox rows) in a span that continues the trace of the
 * batch's first row that carries a `traceparent`, with links to the other rows' traces: BullMQ's
 * telemetry then puts the jobs in that trace, so a request's trace goes on through the outbox. One
 * job serves many rows, so it can have one parent only; the links keep the others findable. At a
 * trickle a batch is one row and the parenting is exact. Without the SDK (tracing off) or without a
 * traced row, `fn` runs as it is.
 */
export async function continueOutboxTraces<T>(traceparents: ReadonlyArray<string | null | undefined>, fn: () => Promise<T>): Promise<T> {
  const contexts = [...new Set(traceparents.filter((t): t is string => !!t))]
    .map((traceparent) => trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent })))
    .filter((c): c is SpanContext => !!c && isSpanContextValid(c));
  if (!contexts.length) return fn();
  const parent = trace.setSpanContext(ROOT_CONTEXT, contexts[0]);
  const span = relayTracer.startSpan(
    'outbox relay',
    { kind: SpanKind.PRODUCER, links: contexts.slice(1).map((c) => ({ context: c })), attributes: { 'corridor.outbox.rows': traceparents.length } },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (e) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw e;
  } finally {
    span.end();
  }
}
