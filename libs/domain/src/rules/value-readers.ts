import type { AttributeType } from '../attributes/attribute';
import { ISO_INSTANT, ISO_LOCAL_TIMESTAMP, ISO_PLAIN_DATE, parseIsoDate, type IsoDate } from './iso-date-parser';
import type { ZoneClock } from './zone-clock';

/**
 * "Reading stored values" of rule-language.md. Every reader returns the value as read, or
 * `undefined` when the attribute is *missing* (absent, null, unreadable, empty). These run once per
 * customer and attribute on the hot path: no allocation when the stored value is already clean.
 */

export type MissingReason = 'absent' | 'null' | 'unreadable' | 'empty';

/** JSON number syntax (RFC 8259), applied after trimming. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** Date's range: ±8.64e15 ms around the epoch. */
const MAX_EPOCH_MS = 8.64e15;

export function readNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (!JSON_NUMBER.test(text)) return undefined;
  const n = Number(text);
  // "1e999" is JSON syntax but no finite number: unreadable rather than Infinity.
  return Number.isFinite(n) ? n : undefined;
}

export function readBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

/** Trimmed text; numbers and booleans as their JSON text. */
export function readString(raw: unknown): string | undefined {
  if (typeof raw === 'string') {
    const text = raw.trim();
    return text.length === 0 ? undefined : text;
  }
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : undefined;
  if (typeof raw === 'boolean') return raw ? 'true' : 'false';
  return undefined;
}

/** Locale-independent lower case of an already-read string. */
export function lowerString(text: string | undefined): string | undefined {
  return text === undefined ? undefined : text.toLowerCase();
}

/** Elements read as strings; null, arrays, objects and empty elements dropped; no elements left → missing. */
export function readStringList(raw: unknown): readonly string[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  // Copied only once an element differs from what is read (trimmed, converted or dropped).
  let out: string[] | undefined;
  for (let i = 0; i < raw.length; i++) {
    const element: unknown = raw[i];
    const text = typeof element === 'object' ? undefined : readString(element);
    if (out === undefined) {
      if (text === element) continue;
      out = raw.slice(0, i) as string[];
    }
    if (text !== undefined) out.push(text);
  }
  const list = out ?? (raw as string[]);
  return list.length === 0 ? undefined : list;
}

export function lowerList(list: readonly string[] | undefined): readonly string[] | undefined {
  if (list === undefined) return undefined;
  let out: string[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const lower = list[i].toLowerCase();
    if (out !== undefined) out.push(lower);
    else if (lower !== list[i]) {
      out = list.slice(0, i);
      out.push(lower);
    }
  }
  return out ?? list;
}

/**
 * Enum values compare like strings (trimmed, case ignored). The reader returns the lower-case
 * key; `canonical` maps it back to the catalog's spelling for explanations.
 */
export interface EnumReader {
  read(raw: unknown): string | undefined;
  canonical(key: string): string;
}

export function enumKey(value: string): string {
  return value.trim().toLowerCase();
}

export function makeEnumReader(values: readonly string[]): EnumReader {
  const byKey = new Map<string, string>();
  for (const value of values) {
    const key = enumKey(value);
    if (key.length > 0 && !byKey.has(key)) byKey.set(key, value.trim());
  }
  return {
    read(raw: unknown): string | undefined {
      const text = readString(raw);
      if (text === undefined) return undefined;
      const key = text.toLowerCase();
      return byKey.has(key) ? key : undefined;
    },
    canonical: (key) => byKey.get(key) ?? key,
  };
}

/**
 * Dates become epoch ms. Timestamps with an offset need no zone; offset-less timestamps and plain
 * dates are read in the evaluation zone through the context's clock (which caches per day).
 */
export function makeDateReader(clock: ZoneClock): (raw: unknown) => number | undefined {
  const parsed: IsoDate = { kind: 0, value: NaN };
  return (raw: unknown): number | undefined => {
    if (typeof raw === 'number') return Number.isFinite(raw) && Math.abs(raw) <= MAX_EPOCH_MS ? raw : undefined;
    if (typeof raw !== 'string') return undefined;
    const kind = parseIsoDate(raw.trim(), parsed);
    if (kind === ISO_INSTANT) return parsed.value;
    if (kind === ISO_PLAIN_DATE) return clock.startOfDay(parsed.value);
    if (kind === ISO_LOCAL_TIMESTAMP) return clock.wallToInstant(parsed.value);
    return undefined;
  };
}

/** Why a value that read as `undefined` is missing. */
export function missingReason(raw: unknown, type: AttributeType): MissingReason {
  if (raw === undefined) return 'absent';
  if (raw === null) return 'null';
  if (typeof raw === 'string' && raw.trim().length === 0) return 'empty';
  if (type === 'string_list' && Array.isArray(raw)) return 'empty';
  return 'unreadable';
}
