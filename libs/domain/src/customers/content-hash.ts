import { Attributes } from '../attributes/attribute';

/**
 * A stable text form of an attributes document (keys sorted at every level, nulls dropped), so
 * two syncs of the same record hash alike whatever the CRM's key order.
 */
export function canonicalJson(value: unknown): string {
  return write(value, true, { plain: true });
}

/**
 * canonicalJson of an attributes document, and whether that text is also its plain JSON (only
 * scalars and arrays of scalars below the top: no nested null was dropped, nothing was turned
 * into `{}`), so a caller that needs both serialises the document once.
 */
export function canonicalAttributesJson(attributes: Readonly<Record<string, unknown>>): { json: string; plain: boolean } {
  const shape = { plain: true };
  const json = write(attributes, true, shape);
  return { json, plain: shape.plain };
}

// Loops rather than entries/filter/map: this runs for every record a sync reads. Same text as
// before (stored content hashes depend on it): Object.keys order sorted by UTF-16 code units.
function write(value: unknown, top: boolean, shape: { plain: boolean }): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + write(value[i], false, shape);
    return `${out}]`;
  }
  if (typeof value === 'object') {
    if (!top) shape.plain = false;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let out = '{';
    let first = true;
    for (const key of keys) {
      const v = record[key];
      if (v === null || v === undefined) continue;
      out += `${first ? '' : ','}${JSON.stringify(key)}:${write(v, false, shape)}`;
      first = false;
    }
    return `${out}}`;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') shape.plain = false;
  return JSON.stringify(value);
}

/**
 * Drops null/undefined members: a CRM's "empty" and "not sent" mean the same to a rule (missing).
 * A document without any is returned as it is (not copied).
 */
export function compactAttributes(attributes: Attributes): Record<string, unknown> {
  const keys = Object.keys(attributes);
  let i = 0;
  while (i < keys.length && attributes[keys[i]] !== null && attributes[keys[i]] !== undefined) i++;
  if (i === keys.length) return attributes as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = attributes[key];
    if (v !== null && v !== undefined) out[key] = v;
  }
  return out;
}
