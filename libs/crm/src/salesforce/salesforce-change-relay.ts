import { createHash, timingSafeEqual } from 'node:crypto';
import { CrmWebhookEvent } from '@corridor/domain';
import { SALESFORCE_RESERVED_FIELDS } from './salesforce-field-defaults';

/** Compares the relay's shared secret in constant time (hashing first evens out the lengths). */
export function sharedSecretMatches(given: string | undefined, expected: string): boolean {
  if (!given || !expected) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

interface RelayChange {
  changeType?: unknown;
  entityName?: unknown;
  recordIds?: unknown;
  commitTimestamp?: unknown;
  /** Change Data Capture's transaction key + sequence number identify an event. */
  transactionKey?: unknown;
  sequenceNumber?: unknown;
  eventId?: unknown;
  changedFields?: unknown;
}

/**
 * The change-notification relay's JSON `{changes: [{changeType, entityName, recordIds,
 * commitTimestamp}]}` → change notifications. Without an event id, one is derived from the
 * change itself, so a redelivered relay batch deduplicates all the same. An UPDATE whose
 * `changedFields` are all Corridor's own write-back fields (and the stamps a write bumps) is
 * dropped: none of them is mapped, so reading the record again could find nothing new.
 */
export function parseSalesforceChanges(body: unknown, ownFields: ReadonlySet<string> = SALESFORCE_RESERVED_FIELDS): CrmWebhookEvent[] {
  const changes = (body as { changes?: unknown })?.changes;
  if (!Array.isArray(changes)) return [];
  const out: CrmWebhookEvent[] = [];
  for (const c of changes as RelayChange[]) {
    const entity = String(c?.entityName ?? '');
    if (entity !== 'Contact' && entity !== 'Lead') continue;
    const ids = Array.isArray(c.recordIds) ? c.recordIds.map(String).filter((id) => /^[a-zA-Z0-9]{15,18}$/.test(id)) : [];
    if (ids.length === 0) continue;
    const type = String(c.changeType ?? '').toUpperCase();
    if (type === 'UPDATE' && onlyOwnFields(c.changedFields, ownFields)) continue;
    const ts = typeof c.commitTimestamp === 'number' ? c.commitTimestamp : Date.parse(String(c.commitTimestamp ?? ''));
    const eventId =
      c.eventId !== undefined
        ? String(c.eventId)
        : c.transactionKey !== undefined
          ? `${String(c.transactionKey)}:${String(c.sequenceNumber ?? 0)}`
          : createHash('sha1').update(`${type}|${entity}|${ids.join(',')}|${String(c.commitTimestamp ?? '')}`).digest('hex');
    out.push({
      eventId,
      kind: type === 'DELETE' || type === 'GAP_DELETE' ? 'delete' : 'upsert',
      objectIds: ids,
      occurredAt: Number.isFinite(ts) ? new Date(ts) : null,
    });
  }
  return out;
}

function onlyOwnFields(changedFields: unknown, ownFields: ReadonlySet<string>): boolean {
  // An empty or missing list says nothing about what changed: keep the change.
  return Array.isArray(changedFields) && changedFields.length > 0 && changedFields.every((f) => ownFields.has(String(f)));
}
