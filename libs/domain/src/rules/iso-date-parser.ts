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
 */
export function parseIsoDate(text: string, out: IsoDate): IsoKind {
  out.kind = ISO_INVALID;
  out.value = NaN;
  const n = text.length;
  if (n < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return ISO_INVALID;
  // Unrolled: this runs for every stored date string of every customer.
  const y0 = text.charCodeAt(0) - 48;
  const y1 = text.charCodeAt(1) - 48;
  const y2 = text.charCodeAt(2) - 48;
  const y3 = text.charCodeAt(3) - 48;
  const m0 = text.charCodeAt(5) - 48;
  const m1 = text.charCodeAt(6) - 48;
  const d0 = text.charCodeAt(8) - 48;
  const d1 = text.charCodeAt(9) - 48;
  if (notDigit(y0) || notDigit(y1) || notDigit(y2) || notDigit(y3) || notDigit(m0) || notDigit(m1) || notDigit(d0) || notDigit(d1)) {
    return ISO_INVALID;
  }
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return ISO_INVALID;
  const dayNumber = daysFromCivil(year, month, day);
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
  if (notDigit(h0) || notDigit(h1) || notDigit(i0) || notDigit(i1)) return ISO_INVALID;
  const hour = h0 * 10 + h1;
  const minute = i0 * 10 + i1;
  if (hour > 23 || minute > 59) return ISO_INVALID;
  let i = 16;
  let second = 0;
  let millis = 0;
  if (i < n && text.charCodeAt(i) === 58) {
    second = digits(text, i + 1, 2);
    if (second < 0 || second > 59) return ISO_INVALID;
    i += 3;
    const c = i < n ? text.charCodeAt(i) : -1;
    if (c === 46 /* . */ || c === 44 /* , */) {
      i++;
      const start = i;
      while (i < n && !notDigit(text.charCodeAt(i) - 48)) i++;
      const len = i - start;
      if (len < 1 || len > 9) return ISO_INVALID;
      millis = digits(text, start, Math.min(len, 3));
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

/** For `charCode - 48`: not 0-9 (negative values wrap to large unsigned ones). */
function notDigit(d: number): boolean {
  return d >>> 0 > 9;
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
    hours = digits(text, i + 1, 2);
  } else if (rest === 4) {
    hours = digits(text, i + 1, 2);
    minutes = digits(text, i + 3, 2);
  } else if (rest === 5 && text.charCodeAt(i + 3) === 58) {
    hours = digits(text, i + 1, 2);
    minutes = digits(text, i + 4, 2);
  } else {
    return NaN;
  }
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return NaN;
  return sign * (hours * 3_600_000 + minutes * 60_000);
}

/** The decimal number in text[start, start+len), or -1 when any character is not a digit. */
function digits(text: string, start: number, len: number): number {
  if (start + len > text.length) return -1;
  let v = 0;
  for (let k = start; k < start + len; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
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
