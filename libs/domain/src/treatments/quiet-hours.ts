import { DateTime } from 'luxon';
import type { Channel } from './journey';
import type { QuietHours } from './strategy';

const HH_MM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
const MINUTE_MS = 60_000;

function minutesOf(hhmm: string): number {
  const m = HH_MM.exec(hhmm);
  if (!m) throw new RangeError(`quiet hours time ${JSON.stringify(hhmm)} is not HH:mm`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function minuteOfDay(at: number, zone: string): number {
  const local = DateTime.fromMillis(at, { zone });
  return local.hour * 60 + local.minute;
}

/** Whether a local minute of day is inside [start, end), the window wrapping midnight when end ≤ start. */
function inside(minute: number, start: number, end: number): boolean {
  if (start === end) return false; // an empty window, not a whole day of silence
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * When quiet hours apply to this channel at `now` in the customer's zone: the instant they end (the
 * held treatment's release), else null.
 *
 * The release is the first instant at or after the window's end in local time, computed by luxon
 * in the zone, so a DST change inside the window moves it correctly. When the end time does not
 * exist that day (it falls in a spring-forward gap), the release is the first instant after the
 * gap; when it happens twice (fall back), the earlier one.
 */
export function quietHoursRelease(quiet: QuietHours | null, channel: Channel, now: number, zone: string): number | null {
  if (!quiet || !quiet.channels.includes(channel)) return null;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (!inside(minuteOfDay(now, zone), start, end)) return null;
  const local = DateTime.fromMillis(now, { zone });
  const at = (day: DateTime) => day.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
  let release = at(local);
  if (release.toMillis() <= now) release = at(local.startOf('day').plus({ days: 1 }));
  let t = release.toMillis();
  // In a gap luxon moves the wall time forward by the gap's length: walk back to the gap's end.
  if (minuteOfDay(t, zone) !== end) {
    while (t - MINUTE_MS > now && minuteOfDay(t - MINUTE_MS, zone) >= end && minuteOfDay(t - MINUTE_MS, zone) <= minuteOfDay(t, zone)) t -= MINUTE_MS;
  }
  return t;
}
