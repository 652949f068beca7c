import { isDefined, isISO8601, isObject, isString, length, matches } from 'class-validator';
import { EVENT_LIMITS } from '@corridor/domain';
import { KEY_PATTERN, TouchpointEventDto } from './events.dto';

const FIELDS = new Set(['touchpoint', 'customer', 'occurredAt', 'properties', 'idempotencyKey']);

/**
 * The common case of `POST /v1/events`, one well-formed event, checked with class-validator's own
 * functions (so with its exact rules) but without building a DTO instance and walking the
 * decorators' metadata, which cost more than the rest of the check on the ingest hot path. Anything
 * this does not accept (including every malformed body) goes through class-validator as before,
 * so refusals keep their one shape and field names. Keep in step with TouchpointEventDto (the
 * spec compares the two on the same bodies).
 */
export function wellFormedSingleEvent(body: Record<string, unknown>): TouchpointEventDto | null {
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) return null;
  const { touchpoint, customer, occurredAt, properties, idempotencyKey } = body;
  if (!isString(touchpoint) || !length(touchpoint, 1, EVENT_LIMITS.touchpointKeyLength) || !matches(touchpoint, KEY_PATTERN)) return null;
  if (!isString(customer) || !length(customer, 1, 1000)) return null;
  // @IsOptional: null and undefined skip the field's other checks.
  if (occurredAt !== null && occurredAt !== undefined && !isISO8601(occurredAt, { strict: true, strictSeparator: true })) return null;
  if (properties !== null && properties !== undefined) {
    if (!isObject(properties) || Buffer.byteLength(JSON.stringify(properties) ?? '', 'utf8') > EVENT_LIMITS.propertiesBytes) return null;
  }
  if (!isDefined(idempotencyKey) || !isString(idempotencyKey) || !length(idempotencyKey, 1, EVENT_LIMITS.idempotencyKeyLength)) return null;
  return body as unknown as TouchpointEventDto;
}
