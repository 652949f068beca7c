import { context, propagation } from '@opentelemetry/api';

/**
 * The active span's W3C `traceparent`, stored with an outbox row so the relay's jobs continue
 * the trace of what wrote it. Null when tracing is off (no SDK: the propagator is a no-op).
 */
export function currentTraceparent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}
