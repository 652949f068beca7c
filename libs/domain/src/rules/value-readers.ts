import type { AttributeType } from '../attributes/attribute';
import { ISO_INSTANT, ISO_LOCAL_TIMESTAMP, ISO_PLAIN_DATE, parseIsoDate, type IsoDate } from './iso-date-parser';
import type { ZoneClock } from './zone-clock';

/**
 * "Reading stored values" of docs/rule-language.md. Every reader returns the value as read, or
 * `undefined` when the attribute is *missing* (absent, null, unreadable, empty). These run once per
 * customer and attribute on the hot path: no allocation when the stored value is already clean.
 */

export type MissingReason = 'absent' | 'null' | 'unreadable' | 'empty';

/** Date's range: ±8.64e15 ms around the epoch. */
const MAX_EPOCH_MS = 8.64e15;

/**
 * `text.trim()`. The usual stored text has no white space at either end, and checking the two end
 * characters is much cheaper than the call: the set `trim()` removes has nothing in U+0021-U+007E
 * nor in U+00A1-U+167F (its first character above U+00A0 is U+1680).
 */
export function trimText(text: string): string {
  const n = text.length;
  return n > 0 && plainEdge(text.charCodeAt(0)) && plainEdge(text.charCodeAt(n - 1)) ? text : text.trim();
}

function plainEdge(code: number): boolean {
  return (code > 0x20 && code < 0x7f) || (code > 0xa0 && code < 0x1680);
}

export function readNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = trimText(raw);
  if (!isJsonNumber(text)) return undefined;
  const n = Number(text);
  // "1e999" is JSON syntax but no finite number: unreadable rather than Infinity.
  return Number.isFinite(n) ? n : undefined;
}

/**
 * JSON number syntax (RFC 8259), `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, applied after
 * trimming. Hand-written: a RegExp call costs more than the scan on this path.
 */
function isJsonNumber(text: string): boolean {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i >= n) return false;
  if (text.charCodeAt(i) === 48 /* 0 */) i++;
  else {
    const start = i;
    i = skipDigits(text, i);
    if (i === start) return false;
  }
  if (i < n && text.charCodeAt(i) === 46 /* . */) {
    const start = ++i;
    i = skipDigits(text, i);
    if (i === start) return false;
  }
  if (i < n && (text.charCodeAt(i) | 0x20) === 101 /* e or E */) {
    i++;
    const sign = i < n ? text.charCodeAt(i) : -1;
    if (sign === 43 /* + */ || sign === 45 /* - */) i++;
    const start = i;
    i = skipDigits(text, i);
    if (i === start) return false;
  }
  return i === n;
}

function skipDigits(text: string, i: number): number {
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function readBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return undefined;
  const text = trimText(raw).toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

/** Trimmed text; numbers and booleans as their JSON text. */
export function readString(raw: unknown): string | undefined {
  if (typeof raw === 'string') {
    const text = trimText(raw);
    return text.length === 0 ? undefined : text;
  }
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : undefined;
  if (typeof raw === 'boolean') return raw ? 'true' : 'false';
  return undefined;
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
      // (An undefined element — possible in a JS array, not in JSON — is dropped, not kept as is.)
      if (text === element && text !== undefined) continue;
      out = raw.slice(0, i) as string[];
    }
    if (text !== undefined) out.push(text);
  }
  const list = out ?? (raw as string[]);
  return list.length === 0 ? undefined : list;
}

/** The lower case of a list as read (the reference for `makeLowerListReader`). */
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
 * The internalised copy of a string: the one object V8 keeps for that text (it internalises every
 * string used as a property name). Two internalised strings are equal exactly when they are the
 * same object, so once the values read and a rule's constants are both internalised, `===` between
 * them compiles to a pointer comparison instead of a call comparing characters (measured ~6× on
 * an `in` of four values). Costs an allocation: for values computed once (constants, memo entries).
 */
export function intern(text: string): string {
  return Object.keys({ [text]: 0 })[0] ?? text;
}

/** Distinct texts one memo remembers; past that, the attribute is not memoised (see TextMemo). */
export const TEXT_MEMO_CAPACITY = 1024;

/**
 * Remembers a pure function's results for the texts of one attribute. Segmentation data is
 * dominated by attributes with few distinct texts (countries, stages, industries, tags) that recur
 * customer after customer: one look-up costs less than trimming and lower-casing the text again
 * (or searching it). Readers keep their results as internalised strings (see `intern`), which
 * compare with a rule's constants by identity. An attribute with more distinct texts than the memo
 * holds (emails, names) stops being memoised when the memo fills, and is then computed as if there
 * were no memo. Only pure functions are memoised: a memo never changes a result.
 */
export class TextMemo<V extends string | boolean> {
  /**
   * A prototype-less object rather than a Map: V8 looks up string keys in such a dictionary
   * faster than `Map.prototype.get` (measured ~15% on the whole segmentation benchmark), and
   * without a prototype every text, `__proto__` included, is just a key.
   */
  private values: Record<string, V> | undefined = Object.create(null) as Record<string, V>;
  private size = 0;

  constructor(
    private readonly compute: (text: string) => V | undefined,
    private readonly canonical: (value: V) => V = (value) => value,
  ) {}

  get(text: string): V | undefined {
    const values = this.values;
    if (values === undefined) return this.compute(text);
    const known = values[text];
    if (known !== undefined) return known;
    const value = this.compute(text);
    // Missing results (blank or unreadable texts) are rare and not worth remembering.
    if (value === undefined) return undefined;
    if (this.size >= TEXT_MEMO_CAPACITY) {
      this.values = undefined;
      return value;
    }
    const kept = this.canonical(value);
    values[text] = kept;
    this.size++;
    return kept;
  }
}

/** `reader`, with its results for stored texts remembered (see TextMemo). */
export function memoizeTexts(reader: (raw: unknown) => string | undefined): (raw: unknown) => string | undefined {
  const memo = new TextMemo<string>(reader, intern);
  return (raw) => (typeof raw === 'string' ? memo.get(raw) : reader(raw));
}

/** The trimmed text in lower case (the form case-insensitive string operators compare). */
export function readLowerString(raw: unknown): string | undefined {
  const text = readString(raw);
  return text === undefined ? undefined : text.toLowerCase();
}

/**
 * `lowerList(readStringList(raw))` in one pass, with the lower case of recurring element texts
 * remembered (tags are few and recur; see TextMemo). Copied only once an element differs from what
 * is read (trimmed, converted, lower-cased or dropped).
 */
export function makeLowerListReader(): (raw: unknown) => readonly string[] | undefined {
  const memo = new TextMemo<string>(readLowerString, intern);
  return (raw: unknown): readonly string[] | undefined => {
    if (!Array.isArray(raw)) return undefined;
    let out: string[] | undefined;
    for (let i = 0; i < raw.length; i++) {
      const element: unknown = raw[i];
      const text =
        typeof element === 'string' ? memo.get(element) : typeof element === 'object' ? undefined : readLowerString(element);
      if (out === undefined) {
        if (text === element && text !== undefined) continue;
        out = raw.slice(0, i) as string[];
      }
      if (text !== undefined) out.push(text);
    }
    const list = out ?? (raw as string[]);
    return list.length === 0 ? undefined : list;
  };
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
  // Returns the key itself (internalised), so every customer's value is one of a few strings.
  const keys = new Map([...byKey.keys()].map((key) => [key, intern(key)]));
  return {
    read(raw: unknown): string | undefined {
      const text = readString(raw);
      return text === undefined ? undefined : keys.get(text.toLowerCase());
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
    const kind = parseIsoDate(trimText(raw), parsed);
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
  if (typeof raw === 'string' && trimText(raw).length === 0) return 'empty';
  if (type === 'string_list' && Array.isArray(raw)) return 'empty';
  return 'unreadable';
}
