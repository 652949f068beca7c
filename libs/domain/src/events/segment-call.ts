/**
 * Segment-spec calls (https://segment.com/docs/connections/spec/track/) as a CDP's webhook
 * destination posts them. Only `track` raises a touchpoint event; the source's mapping names the
 * touchpoint of each event name, and an event it does not name is acknowledged and ignored.
 */
export interface SegmentTrackCall {
  type?: string;
  event?: string;
  messageId?: string;
  userId?: string | null;
  anonymousId?: string | null;
  timestamp?: string;
  originalTimestamp?: string;
  properties?: Record<string, unknown>;
  context?: { traits?: { email?: string } & Record<string, unknown> } & Record<string, unknown>;
}

export type SegmentCallOutcome =
  | {
      kind: 'event';
      touchpoint: string;
      /** A customer reference (customer-ref.ts): the userId as written, or `email:<traits.email>`. */
      customerRef: string;
      customerField: string;
      occurredAt: string | undefined;
      properties: Record<string, unknown>;
      idempotencyKey: string;
    }
  | { kind: 'ignored'; reason: string }
  | { kind: 'rejected'; code: string; field: string; message: string };

/** What one Segment call becomes, given the source's event name → touchpoint key mapping. `at` prefixes field names (`batch[2].`). */
export function segmentCallToEvent(call: SegmentTrackCall, mappings: Readonly<Record<string, string>>, at = ''): SegmentCallOutcome {
  const type = call.type ?? 'track';
  if (type !== 'track') return { kind: 'ignored', reason: `"${type}" calls raise no touchpoint event (only "track" does)` };
  if (typeof call.event !== 'string' || call.event.length === 0) return { kind: 'rejected', code: 'EVENT_REQUIRED', field: `${at}event`, message: 'a track call names its event' };
  const touchpoint = Object.prototype.hasOwnProperty.call(mappings, call.event) ? mappings[call.event] : undefined;
  if (!touchpoint) return { kind: 'ignored', reason: `event ${JSON.stringify(call.event)} is not mapped to a touchpoint for this source` };
  if (typeof call.messageId !== 'string' || call.messageId.length === 0) {
    return { kind: 'rejected', code: 'MESSAGE_ID_REQUIRED', field: `${at}messageId`, message: 'messageId is the idempotency key and is required' };
  }
  const email = call.context?.traits?.email;
  let customerRef: string;
  let customerField: string;
  if (typeof call.userId === 'string' && call.userId.length > 0) {
    customerRef = call.userId;
    customerField = `${at}userId`;
  } else if (typeof email === 'string' && email.length > 0) {
    customerRef = `email:${email}`;
    customerField = `${at}context.traits.email`;
  } else {
    return { kind: 'rejected', code: 'CUSTOMER_REQUIRED', field: `${at}userId`, message: 'a track call needs userId or context.traits.email to name the customer' };
  }
  return {
    kind: 'event',
    touchpoint,
    customerRef,
    customerField,
    occurredAt: call.timestamp ?? call.originalTimestamp,
    properties: call.properties ?? {},
    idempotencyKey: call.messageId,
  };
}
