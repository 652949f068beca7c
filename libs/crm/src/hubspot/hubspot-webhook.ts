import { createHmac, timingSafeEqual } from 'node:crypto';
import { CrmWebhookEvent } from '@corridor/domain';
import { HUBSPOT_PERSONA_PROPERTY, HUBSPOT_STRATEGY_PROPERTY } from './hubspot-field-defaults';

/** HubSpot refuses to be trusted after this long; so do we (replays of captured requests). */
export const HUBSPOT_SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;

export type SignatureVerdict = 'ok' | 'missing' | 'stale' | 'mismatch';

export interface SignedRequest {
  method: string;
  /** The full URI HubSpot called, as configured in the app (scheme, host, path and query). */
  uri: string;
  rawBody: Buffer | string;
  signature: string | undefined;
  timestamp: string | undefined;
}

/**
 * X-HubSpot-Signature-v3: base64(HMAC-SHA256(client secret, method + uri + body + timestamp)),
 * timestamp in ms no older than 5 minutes, compared in constant time.
 */
export function verifyHubSpotSignatureV3(req: SignedRequest, clientSecret: string, nowMs: number): SignatureVerdict {
  if (!req.signature || !req.timestamp) return 'missing';
  const ts = Number(req.timestamp);
  if (!Number.isFinite(ts) || Math.abs(nowMs - ts) > HUBSPOT_SIGNATURE_MAX_AGE_MS) return 'stale';
  // The body's bytes as received (a Buffer is hashed as is, never decoded and re-encoded).
  const expected = createHmac('sha256', clientSecret)
    .update(`${req.method.toUpperCase()}${req.uri}`)
    .update(req.rawBody)
    .update(req.timestamp)
    .digest();
  let given: Buffer;
  try {
    given = Buffer.from(req.signature, 'base64');
  } catch {
    return 'mismatch';
  }
  if (given.length !== expected.length) return 'mismatch';
  return timingSafeEqual(given, expected) ? 'ok' : 'mismatch';
}

interface HubSpotEventInput {
  eventId?: unknown;
  subscriptionType?: unknown;
  objectId?: unknown;
  occurredAt?: unknown;
  primaryObjectId?: unknown;
  mergedObjectIds?: unknown;
  newObjectId?: unknown;
  propertyName?: unknown;
}

/** Properties only Corridor writes (its write-back); `hs_persona` joins them when a connection maps personas to it. */
export const HUBSPOT_OWN_PROPERTIES: ReadonlySet<string> = new Set([HUBSPOT_PERSONA_PROPERTY, HUBSPOT_STRATEGY_PROPERTY]);

/**
 * HubSpot's event batch → change notifications; events of other objects are ignored, and so are
 * property changes of Corridor's own write-back properties (`ownProperties`): they are never
 * mapped into attributes, so reading the record again could only find what we already have, and a
 * write-back of thousands of personas would otherwise cost thousands of batch reads.
 */
export function parseHubSpotEvents(body: unknown, ownProperties: ReadonlySet<string> = HUBSPOT_OWN_PROPERTIES): CrmWebhookEvent[] {
  if (!Array.isArray(body)) return [];
  const out: CrmWebhookEvent[] = [];
  for (const raw of body as HubSpotEventInput[]) {
    if (!raw || typeof raw !== 'object' || raw.eventId === undefined) continue;
    const type = String(raw.subscriptionType ?? '');
    if (!type.startsWith('contact.')) continue;
    const occurredAt = typeof raw.occurredAt === 'number' ? new Date(raw.occurredAt) : null;
    const eventId = String(raw.eventId);
    if (type === 'contact.deletion' || type === 'contact.privacyDeletion') {
      out.push({ eventId, kind: 'delete', objectIds: [String(raw.objectId)], occurredAt });
    } else if (type === 'contact.merge') {
      const survivor = String(raw.newObjectId ?? raw.primaryObjectId ?? raw.objectId);
      const merged = [raw.primaryObjectId, ...(Array.isArray(raw.mergedObjectIds) ? raw.mergedObjectIds : [])]
        .filter((v) => v !== undefined && v !== null)
        .map(String)
        .filter((id) => id !== survivor);
      out.push({ eventId, kind: 'merge', objectIds: [survivor, ...new Set(merged)], occurredAt });
    } else if (type === 'contact.propertyChange' && typeof raw.propertyName === 'string' && ownProperties.has(raw.propertyName)) {
      continue;
    } else if (raw.objectId !== undefined) {
      out.push({ eventId, kind: 'upsert', objectIds: [String(raw.objectId)], occurredAt });
    }
  }
  return out;
}
