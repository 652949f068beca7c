import { CustomerRef } from '../customers/customer-ref';

/** Limits on what `POST /v1/events` takes (README "Events in"). */
export const EVENT_LIMITS = {
  batch: 1000,
  /** Serialized JSON of one event's properties. */
  propertiesBytes: 16_384,
  idempotencyKeyLength: 200,
  touchpointKeyLength: 100,
} as const;

/** Where an event came from: its idempotency keys are unique within a source. */
export const EVENT_SOURCE = {
  api: 'api',
  corridor: 'corridor',
  segment: (sourceKey: string) => `segment:${sourceKey}`,
  crm: (connectionId: string) => `crm:${connectionId}`,
} as const;

/** Raised by Corridor itself (persona changes, CRM property changes): may come a million at a time. */
export function isRaisedSource(source: string): boolean {
  return source === EVENT_SOURCE.corridor || source.startsWith('crm:');
}

/** One event as a producer sends it, validated and with its customer reference parsed. */
export interface TouchpointEventInput {
  touchpoint: string;
  customer: CustomerRef;
  occurredAt: Date;
  properties: Record<string, unknown>;
  idempotencyKey: string;
}

/** One event whose customer is already known (Corridor's own events: persona changes, CRM property changes). */
export interface ResolvedTouchpointEvent {
  touchpoint: string;
  customerId: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
  idempotencyKey: string;
}

/** What became of each event of a batch, in the batch's order. */
export type EventIngestResult =
  | { index: number; status: 'accepted'; eventId: string }
  | { index: number; status: 'duplicate'; eventId: string }
  | { index: number; status: 'rejected'; code: string; field: string; message: string }
  | { index: number; status: 'ignored'; reason: string };

export function countResults(results: readonly EventIngestResult[]): Record<EventIngestResult['status'], number> {
  const counts = { accepted: 0, duplicate: 0, rejected: 0, ignored: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}
