import { AttributeCatalog } from '../attributes/attribute';
import { IncomingCustomer } from '../customers/customer';
import { unstorableTextProblem } from './import-text';

export const MAX_EXTERNAL_ID_LENGTH = 255;
/** Longest string an attribute holds from an import (a CSV cell, a JSON value or list item). */
export const MAX_IMPORT_VALUE_LENGTH = 64 * 1024;

/** One problem with one input row; `line` is 1-based in the uploaded file (the CSV header is line 1). */
export interface ImportRowError {
  line: number;
  field: string;
  message: string;
}

/** What to do with a column or key the attribute catalog does not know. */
export type UnknownAttributePolicy = 'reject' | 'ignore';

export interface ImportRowOptions {
  catalog: AttributeCatalog;
  unknown: UnknownAttributePolicy;
}

export type ImportRowResult = { ok: true; customer: IncomingCustomer } | { ok: false; errors: ImportRowError[] };

/** A row as a reader produced it: a parsed value, or why the line could not be read at all. */
export interface RawImportRow {
  line: number;
  value?: unknown;
  problem?: { field: string; message: string };
}

const ID_KEYS = ['id', 'external_id'] as const;

/**
 * Checks the structure of one import row and turns it into an IncomingCustomer. Accepted shapes:
 * `{"id": "…", "attributes": {…}}` or a flat object whose every key except `id`/`external_id` is an
 * attribute. Values are not type-checked against the catalog (the rule language reads loose
 * values), only their shape: scalars, null (= no value), and lists of strings for string_list
 * attributes, and that their text can be stored (no NUL, no unpaired surrogate, at most
 * MAX_IMPORT_VALUE_LENGTH characters). Every problem of the row is reported, each naming its field.
 */
export function checkImportRow(raw: RawImportRow, options: ImportRowOptions): ImportRowResult {
  const { line } = raw;
  if (raw.problem) return { ok: false, errors: [{ line, ...raw.problem }] };
  const value = raw.value;
  if (!isPlainObject(value)) {
    return { ok: false, errors: [{ line, field: '(row)', message: 'a row must be a JSON object' }] };
  }
  const errors: ImportRowError[] = [];
  const fail = (field: string, message: string) => errors.push({ line, field, message });

  const externalId = readExternalId(value, fail);

  let attributes: Record<string, unknown>;
  let path = (name: string) => name;
  if (Object.hasOwn(value, 'attributes') && isPlainObject(value.attributes)) {
    attributes = value.attributes;
    path = (name) => `attributes.${name}`;
    for (const key of Object.keys(value)) {
      if (key !== 'attributes' && !(ID_KEYS as readonly string[]).includes(key)) {
        fail(key, 'unexpected field next to "attributes": put every attribute inside "attributes"');
      }
    }
  } else {
    attributes = Object.fromEntries(Object.entries(value).filter(([k]) => !(ID_KEYS as readonly string[]).includes(k)));
  }

  const accepted: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(attributes)) {
    const nameProblem = unstorableTextProblem(name);
    if (nameProblem) {
      fail(path(name), `attribute name ${nameProblem}`);
      continue;
    }
    const definition = options.catalog.get(name);
    if (!definition) {
      if (options.unknown === 'reject') fail(path(name), `unknown attribute ${JSON.stringify(name)} (define it first, or import with unknown=ignore)`);
      continue;
    }
    const problem = shapeProblem(v, definition.type === 'string_list');
    if (problem) fail(path(name), problem);
    else accepted[name] = v;
  }

  if (errors.length || externalId === undefined) return { ok: false, errors };
  return { ok: true, customer: { externalId, attributes: accepted } };
}

function readExternalId(row: Record<string, unknown>, fail: (field: string, message: string) => void): string | undefined {
  const given = ID_KEYS.filter((k) => row[k] !== undefined && row[k] !== null && row[k] !== '');
  if (given.length === 0) {
    fail('id', 'id is required');
    return undefined;
  }
  const ids = given.map((k) => {
    const v = row[k];
    return typeof v === 'number' && Number.isFinite(v) ? String(v) : v;
  });
  const [field] = given;
  const [id] = ids;
  if (typeof id !== 'string') {
    fail(field, `${field} must be a string or a number`);
    return undefined;
  }
  const textProblem = unstorableTextProblem(id);
  if (textProblem) {
    fail(field, `${field} ${textProblem}`);
    return undefined;
  }
  if (id.trim() === '') {
    fail(field, `${field} must not be blank`);
    return undefined;
  }
  if (id.length > MAX_EXTERNAL_ID_LENGTH) {
    fail(field, `${field} must be at most ${MAX_EXTERNAL_ID_LENGTH} characters`);
    return undefined;
  }
  if (ids.length > 1 && ids[1] !== id) {
    fail('external_id', 'id and external_id differ: give one of them');
    return undefined;
  }
  return id;
}

function shapeProblem(value: unknown, listAllowed: boolean): string | undefined {
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') return textValueProblem(value);
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'numbers must be finite';
  if (Array.isArray(value)) {
    if (!listAllowed) return 'a list is only allowed for string_list attributes';
    if (!value.every((item) => typeof item === 'string')) return 'a string_list holds strings only';
    for (const [i, item] of value.entries()) {
      const problem = textValueProblem(item as string);
      if (problem) return `item ${i}: ${problem}`;
    }
    return undefined;
  }
  return 'nested objects are not allowed: an attribute holds a string, number, boolean, null or (string_list) a list of strings';
}

function textValueProblem(text: string): string | undefined {
  if (text.length > MAX_IMPORT_VALUE_LENGTH) return `a value holds at most ${MAX_IMPORT_VALUE_LENGTH} characters (got ${text.length})`;
  return unstorableTextProblem(text);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
