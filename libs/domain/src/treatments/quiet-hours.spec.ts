import { quietHoursRelease } from './quiet-hours';
import type { QuietHours } from './strategy';

const night: QuietHours = { start: '21:00', end: '08:00', channels: ['phone', 'sms'] };
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('quiet hours', () => {
  it('does nothing outside the window or on other channels', () => {
    expect(quietHoursRelease(night, 'phone', at('2026-06-10T12:00:00Z'), 'UTC')).toBeNull();
    expect(quietHoursRelease(night, 'email', at('2026-06-10T23:00:00Z'), 'UTC')).toBeNull();
    expect(quietHoursRelease(null, 'phone', at('2026-06-10T23:00:00Z'), 'UTC')).toBeNull();
  });

  it('a window wrapping midnight holds until its end the next morning (before midnight) or the same morning (after)', () => {
    expect(iso(quietHoursRelease(night, 'phone', at('2026-06-10T22:30:00Z'), 'UTC'))).toBe('2026-06-11T08:00:00.000Z');
    expect(iso(quietHoursRelease(night, 'phone', at('2026-06-11T03:00:00Z'), 'UTC'))).toBe('2026-06-11T08:00:00.000Z');
    expect(quietHoursRelease(night, 'phone', at('2026-06-11T08:00:00Z'), 'UTC')).toBeNull(); // end is exclusive
    expect(iso(quietHoursRelease(night, 'phone', at('2026-06-10T21:00:00Z'), 'UTC'))).toBe('2026-06-11T08:00:00.000Z'); // start inclusive
  });

  it('a window inside one day', () => {
    const lunch: QuietHours = { start: '12:00', end: '13:30', channels: ['phone'] };
    expect(iso(quietHoursRelease(lunch, 'phone', at('2026-06-10T12:10:00Z'), 'UTC'))).toBe('2026-06-10T13:30:00.000Z');
    expect(quietHoursRelease(lunch, 'phone', at('2026-06-10T13:30:00Z'), 'UTC')).toBeNull();
    expect(quietHoursRelease({ ...lunch, end: '12:00' }, 'phone', at('2026-06-10T12:10:00Z'), 'UTC')).toBeNull(); // empty window
  });

  it('reads the window in the customer zone', () => {
    // 23:00 UTC is 19:00 in New York (EDT): not quiet there; 03:00 UTC is 23:00 there: quiet until 08:00 EDT = 12:00 UTC.
    expect(quietHoursRelease(night, 'sms', at('2026-06-10T23:00:00Z'), 'America/New_York')).toBeNull();
    expect(iso(quietHoursRelease(night, 'sms', at('2026-06-11T03:00:00Z'), 'America/New_York'))).toBe('2026-06-11T12:00:00.000Z');
  });

  it('DST spring forward inside the window: releases at 08:00 local with the new offset', () => {
    // Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST. 22:00 CET on the 28th; 08:00 CEST = 06:00 UTC.
    expect(iso(quietHoursRelease(night, 'phone', at('2026-03-28T21:00:00Z'), 'Europe/Berlin'))).toBe('2026-03-29T06:00:00.000Z');
  });

  it('DST fall back inside the window: releases at 08:00 local with the new offset', () => {
    // 2026-10-25 03:00 CEST → 02:00 CET. 08:00 CET = 07:00 UTC.
    expect(iso(quietHoursRelease(night, 'phone', at('2026-10-24T20:00:00Z'), 'Europe/Berlin'))).toBe('2026-10-25T07:00:00.000Z');
  });

  it('an end time that does not exist that day releases at the end of the gap', () => {
    const small: QuietHours = { start: '01:00', end: '02:30', channels: ['phone'] };
    // 01:30 CET on 2026-03-29 = 00:30 UTC; 02:30 does not exist: the clock jumps to 03:00 CEST = 01:00 UTC.
    expect(iso(quietHoursRelease(small, 'phone', at('2026-03-29T00:30:00Z'), 'Europe/Berlin'))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('an end time that happens twice releases at the first', () => {
    const small: QuietHours = { start: '01:00', end: '02:30', channels: ['phone'] };
    // 2026-10-25: 02:30 CEST (00:30 UTC) and 02:30 CET (01:30 UTC). At 01:15 CEST (23:15 UTC the day before).
    expect(iso(quietHoursRelease(small, 'phone', at('2026-10-24T23:15:00Z'), 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('never releases at or before now', () => {
    for (let m = 0; m < 24 * 60; m += 7) {
      const now = at('2026-03-28T12:00:00Z') + m * 60_000 * 2;
      const r = quietHoursRelease(night, 'phone', now, 'Europe/Berlin');
      if (r !== null) {
        expect(r).toBeGreaterThan(now);
        expect(r - now).toBeLessThanOrEqual(11 * 3600_000);
      }
    }
  });
});
