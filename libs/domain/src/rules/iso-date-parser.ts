/**
 * The one ISO 8601 grammar of the rule language, for rule values and stored values alike:
 *
 *   plain date   YYYY-MM-DD
 *   timestamp    YYYY-MM-DD(T|t|space)HH:mm[:ss[(.|,)fraction 1-9 digits]][offset]
 *   offset       Z | z | ±HH | ±HHmm | ±HH:mm
 *
 * Years 0000-9999 in the proleptic Gregorian calendar; hours 00-23, minutes and seconds 00-59
 * (no leap second, no 24:00); fractions beyond milliseconds are truncated. Impossible dates
 * (2026-02-30) do not parse. Hand-written rather than a RegExp + Date.parse because Date.parse is
 * lenient in engine-specific ways and this runs once per stored date on the hot path.
 */

export const ISO_INVALID = 0;
/** `value` is the day number: days since 1970-01-01. */
export const ISO_PLAIN_DATE = 1;
/** `value` is the wall-clock time read as if it were UTC, in ms; it needs a time zone to become an instant. */
export const ISO_LOCAL_TIMESTAMP = 2;
/** `value` is the instant, epoch ms. */
export const ISO_INSTANT = 3;

export type IsoKind = typeof ISO_INVALID | typeof ISO_PLAIN_DATE | typeof ISO_LOCAL_TIMESTAMP | typeof ISO_INSTANT;

export interface IsoDate {
  kind: IsoKind;
  value: number;
}

export const MS_PER_DAY = 86_400_000;

/**
 * Parses `text` (already trimmed by the caller when it should be) into `out`, which callers on the
 * hot path reuse to avoid an allocation per value. Returns `out.kind`.
 *
 * Written for speed (it runs for every stored date string of every customer): each character is
 * read once, digits are checked by range, and days come from tables rather than calendar division.
 */
export function parseIsoDate(text: string, out: IsoDate): IsoKind {
  out.kind = ISO_INVALID;
  out.value = NaN;
  const n = text.length;
  if (n < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return ISO_INVALID;
  const y0 = text.charCodeAt(0) - 48;
  const y1 = text.charCodeAt(1) - 48;
  const y2 = text.charCodeAt(2) - 48;
  const y3 = text.charCodeAt(3) - 48;
  const m0 = text.charCodeAt(5) - 48;
  const m1 = text.charCodeAt(6) - 48;
  const d0 = text.charCodeAt(8) - 48;
  const d1 = text.charCodeAt(9) - 48;
  // Int32 arithmetic only: `d | (9 - d)` is negative exactly when d is not a digit (0-9).
  if ((y0 | (9 - y0) | y1 | (9 - y1) | y2 | (9 - y2) | y3 | (9 - y3) | m0 | (9 - m0) | m1 | (9 - m1) | d0 | (9 - d0) | d1 | (9 - d1)) < 0) {
    return ISO_INVALID;
  }
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1) return ISO_INVALID;
  const leap = month > 1 ? LEAP[year] : 0;
  if (day > DAYS_IN_MONTH[month] + (month === 2 ? leap : 0)) return ISO_INVALID;
  const dayNumber = YEAR_START[year] + MONTH_START[month] + (month > 2 ? leap : 0) + day - 1;
  if (n === 10) {
    out.kind = ISO_PLAIN_DATE;
    out.value = dayNumber;
    return ISO_PLAIN_DATE;
  }
  const sep = text.charCodeAt(10);
  if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32 /* space */) return ISO_INVALID;
  if (n < 16 || text.charCodeAt(13) !== 58) return ISO_INVALID;
  const h0 = text.charCodeAt(11) - 48;
  const h1 = text.charCodeAt(12) - 48;
  const i0 = text.charCodeAt(14) - 48;
  const i1 = text.charCodeAt(15) - 48;
  if ((h0 | (9 - h0) | h1 | (9 - h1) | i0 | (9 - i0) | i1 | (9 - i1)) < 0) return ISO_INVALID;
  const hour = h0 * 10 + h1;
  const minute = i0 * 10 + i1;
  if (hour > 23 || minute > 59) return ISO_INVALID;
  let i = 16;
  let second = 0;
  let millis = 0;
  if (i < n && text.charCodeAt(i) === 58 /* : */) {
    if (n < 19) return ISO_INVALID;
    const s0 = text.charCodeAt(17) - 48;
    const s1 = text.charCodeAt(18) - 48;
    if ((s0 | (9 - s0) | s1 | (9 - s1)) < 0) return ISO_INVALID;
    second = s0 * 10 + s1;
    if (second > 59) return ISO_INVALID;
    i = 19;
    const c = i < n ? text.charCodeAt(i) : -1;
    if (n === 24 && c === 46 /* . */ && (text.charCodeAt(23) | 0x20) === 122 /* Z or z */) {
      // The commonest form by far (JavaScript's toISOString): `.sss` then `Z`, read without a loop.
      const f0 = text.charCodeAt(20) - 48;
      const f1 = text.charCodeAt(21) - 48;
      const f2 = text.charCodeAt(22) - 48;
      if ((f0 | (9 - f0) | f1 | (9 - f1) | f2 | (9 - f2)) < 0) return ISO_INVALID;
      out.kind = ISO_INSTANT;
      out.value = dayNumber * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + f0 * 100 + f1 * 10 + f2;
      return ISO_INSTANT;
    }
    if (c === 46 /* . */ || c === 44 /* , */) {
      const start = ++i;
      // Up to 9 digits; only the first three (milliseconds) count, the rest is truncated.
      for (let d = i < n ? text.charCodeAt(i) - 48 : -1; d >= 0 && d <= 9; d = ++i < n ? text.charCodeAt(i) - 48 : -1) {
        if (i - start < 3) millis = millis * 10 + d;
      }
      const len = i - start;
      if (len < 1 || len > 9) return ISO_INVALID;
      if (len === 1) millis *= 100;
      else if (len === 2) millis *= 10;
    }
  }
  const wall = dayNumber * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis;
  if (i === n) {
    out.kind = ISO_LOCAL_TIMESTAMP;
    out.value = wall;
    return ISO_LOCAL_TIMESTAMP;
  }
  const offsetMs = parseOffset(text, i);
  if (Number.isNaN(offsetMs)) return ISO_INVALID;
  out.kind = ISO_INSTANT;
  out.value = wall - offsetMs;
  return ISO_INSTANT;
}

/** Two digits at `text[i]` as a number, or -1 when either is not a digit (or is past the end). */
function twoDigits(text: string, i: number): number {
  if (i + 2 > text.length) return -1;
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return (a | (9 - a) | b | (9 - b)) < 0 ? -1 : a * 10 + b;
}

/** Offset in ms from `text[i]` to the end, or NaN. */
function parseOffset(text: string, i: number): number {
  const n = text.length;
  const c = text.charCodeAt(i);
  if (c === 90 /* Z */ || c === 122 /* z */) return i + 1 === n ? 0 : NaN;
  if (c !== 43 /* + */ && c !== 45 /* - */) return NaN;
  const sign = c === 45 ? -1 : 1;
  const rest = n - i - 1;
  let hours: number;
  let minutes = 0;
  if (rest === 2) {
    hours = twoDigits(text, i + 1);
  } else if (rest === 4) {
    hours = twoDigits(text, i + 1);
    minutes = twoDigits(text, i + 3);
  } else if (rest === 5 && text.charCodeAt(i + 3) === 58) {
    hours = twoDigits(text, i + 1);
    minutes = twoDigits(text, i + 4);
  } else {
    return NaN;
  }
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return NaN;
  return sign * (hours * 3_600_000 + minutes * 60_000);
}

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  // Integer division by truncation is exact here: both operands are non-negative.
  const doy = (((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) | 0) + day - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Days in each month of a common year, by month number (index 0 unused). */
const DAYS_IN_MONTH = Int8Array.of(0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31);
/** Days from 1 January to the first of each month in a common year, by month number. */
const MONTH_START = Int16Array.of(0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334);
/** For each year 0000-9999: the day number of its 1 January, and 1 when it is a leap year. */
const YEAR_START = new Int32Array(10_000);
const LEAP = new Uint8Array(10_000);
for (let year = 0; year < 10_000; year++) {
  YEAR_START[year] = daysFromCivil(year, 1, 1);
  LEAP[year] = isLeapYear(year) ? 1 : 0;
}
