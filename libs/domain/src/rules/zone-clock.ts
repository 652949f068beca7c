import { IANAZone } from 'luxon';
import { MS_PER_DAY } from './iso-date-parser';

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * An IANA zone name (`Europe/London`, `UTC`, `Etc/GMT+5`) that this runtime's tz database knows.
 * Fixed offsets written as offsets (`+01:00`) are not IANA names and are refused even where Intl
 * would take them.
 */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || !ZONE_NAME.test(tz)) return false;
  // Intl builds a formatter to answer (tens of microseconds); decide asks for every event, and the
  // answer for a name never changes in a running process. Bounded: names come from customer data.
  let known = zoneValidity.get(tz);
  if (known === undefined) {
    known = IANAZone.isValidZone(tz);
    if (zoneValidity.size >= MAX_CACHED_ZONES) zoneValidity.clear();
    zoneValidity.set(tz, known);
  }
  return known;
}

const MAX_CACHED_ZONES = 2_000;
const zoneValidity = new Map<string, boolean>();

const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu', 'Etc/UCT', 'UCT', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'GMT0', 'GMT+0', 'GMT-0', 'Etc/Greenwich', 'Greenwich']);

/** Cached facts about one local day: when it starts, and its offset when that is constant all day. */
interface DayInfo {
  start: number;
  /** Offset in ms valid for the whole day, or NaN when the offset changes during the day. */
  offset: number;
}

/** Bounded so a long re-segmentation over many distinct days cannot grow memory without limit. */
const MAX_CACHED_DAYS = 50_000;

/**
 * Turns wall-clock times of one IANA zone into instants. Offset look-ups go through Intl and cost
 * microseconds, so results are cached per local day: a re-segmentation reads many dates that share
 * a few thousand days. One instance belongs to one evaluation context (it is not shared across
 * zones), which keeps results deterministic.
 *
 * DST rules (see the README's Decisions):
 *  - a day starts at its first instant; when local midnight falls in a gap, at the first instant
 *    after the gap; when midnight happens twice, at the earlier one;
 *  - a timestamp without an offset that falls in a gap is read with the offset in force before
 *    the transition (it moves forward by the gap's length); one that happens twice is read with
 *    the offset in force after the transition (the later instant). This is PostgreSQL's rule for
 *    `timestamp::timestamptz`, so an SQL pushdown can match it.
 */
export class ZoneClock {
  private readonly zone: IANAZone | undefined;
  private readonly days = new Map<number, DayInfo>();

  constructor(readonly timeZone: string) {
    if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone ${JSON.stringify(timeZone)}`);
    const zone = IANAZone.create(timeZone);
    this.zone = UTC_NAMES.has(zone.name) ? undefined : zone;
  }

  /** Offset (local − UTC) in ms at an instant. */
  offsetAt(instant: number): number {
    return this.zone === undefined ? 0 : this.zone.offset(instant) * 60_000;
  }

  /** The first instant of the local day `dayNumber` (days since 1970-01-01). */
  startOfDay(dayNumber: number): number {
    return this.day(dayNumber).start;
  }

  /** The instant of a wall-clock time given as ms since 1970-01-01T00:00 local. */
  wallToInstant(wall: number): number {
    if (this.zone === undefined) return wall;
    const info = this.day(Math.floor(wall / MS_PER_DAY));
    if (!Number.isNaN(info.offset)) return wall - info.offset;
    return this.resolveWall(wall, false);
  }

  private day(dayNumber: number): DayInfo {
    let info = this.days.get(dayNumber);
    if (info !== undefined) return info;
    if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
    const wall = dayNumber * MS_PER_DAY;
    if (this.zone === undefined) {
      info = { start: wall, offset: 0 };
    } else {
      const start = this.resolveWall(wall, true);
      const next = this.resolveWall(wall + MS_PER_DAY, true);
      const offset = this.offsetAt(start);
      // Constant only if the day also starts at its wall midnight: on a day whose midnight fell in
      // a gap, early wall times do not exist and need the exact rule.
      const constant = start === wall - offset && next > start && this.offsetAt(next - 1) === offset;
      info = { start, offset: constant ? offset : NaN };
    }
    this.days.set(dayNumber, info);
    return info;
  }

  /**
   * Exact conversion, assuming at most one transition within a day of `wall` (true of the tz
   * database in practice). `startOfDay` picks the earliest instant and, in a gap, the transition
   * itself; otherwise the PostgreSQL rule described on the class.
   */
  private resolveWall(wall: number, startOfDay: boolean): number {
    const before = this.offsetAt(wall - MS_PER_DAY);
    const after = this.offsetAt(wall + MS_PER_DAY);
    if (before === after) return wall - before;
    const withBefore = wall - before;
    const withAfter = wall - after;
    const beforeValid = this.offsetAt(withBefore) === before;
    const afterValid = this.offsetAt(withAfter) === after;
    if (beforeValid && afterValid) return startOfDay ? Math.min(withBefore, withAfter) : withAfter;
    if (beforeValid) return withBefore;
    if (afterValid) return withAfter;
    // A gap: the wall time does not exist. Clocks moved forward, so after > before and the
    // transition lies in (withAfter, withBefore].
    if (!startOfDay) return withBefore;
    return this.firstInstantWithOffset(withAfter, withBefore, after);
  }

  /** Smallest t in (low, high] where the offset is already `target` (binary search to the ms). */
  private firstInstantWithOffset(low: number, high: number, target: number): number {
    let lo = low;
    let hi = high;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(mid) === target) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}
