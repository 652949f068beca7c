import { daysFromCivil, ISO_INSTANT, ISO_INVALID, ISO_LOCAL_TIMESTAMP, ISO_PLAIN_DATE, parseIsoDate, type IsoDate } from './iso-date-parser';
import { ZoneClock } from './zone-clock';

const day = (iso: string) => daysFromCivil(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
const iso = (ms: number) => new Date(ms).toISOString();

describe('parseIsoDate', () => {
  const parse = (text: string) => {
    const out: IsoDate = { kind: 0, value: 0 };
    const kind = parseIsoDate(text, out);
    return { kind, value: out.value };
  };

  it('parses the three forms', () => {
    expect(parse('2026-01-31')).toEqual({ kind: ISO_PLAIN_DATE, value: day('2026-01-31') });
    expect(parse('2026-01-31T09:30:00')).toEqual({ kind: ISO_LOCAL_TIMESTAMP, value: Date.UTC(2026, 0, 31, 9, 30) });
    expect(parse('2026-01-31T09:30:00.5+01:00')).toEqual({ kind: ISO_INSTANT, value: Date.UTC(2026, 0, 31, 8, 30, 0, 500) });
    expect(parse('0000-01-01T00:00:00Z').value).toBe(Date.parse('0000-01-01T00:00:00Z'));
    expect(parse('9999-12-31T23:59:59.999-23:59').value).toBe(Date.parse('9999-12-31T23:59:59.999-23:59'));
  });

  it('agrees with Date.parse on canonical timestamps over the years', () => {
    for (let t = Date.UTC(1600, 0, 1); t < Date.UTC(2400, 0, 1); t += 86_400_000 * 37 + 3_600_123) {
      expect(parse(iso(t)).value).toBe(t);
    }
  });

  it('reads every plain date of the calendar like daysFromCivil, and refuses impossible days', () => {
    const lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (let year = 0; year < 10_000; year += year < 2100 ? 1 : 97) {
      const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
      for (let month = 1; month <= 12; month++) {
        const last = lengths[month - 1] + (month === 2 && leap ? 1 : 0);
        const text = (d: number) => `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        expect(parse(text(1)).value).toBe(daysFromCivil(year, month, 1));
        expect(parse(text(last)).value).toBe(daysFromCivil(year, month, last));
        expect(parse(text(last + 1)).kind).toBe(ISO_INVALID);
      }
    }
  });

  it.each(['2026-02-29', '2026-04-31', '2026-1-01', '2026-01-01T', '2026-01-01T1:00Z', '2026-01-01T10:00:00.Z', '2026-01-01T10:00:00.1234567890Z', '2026-01-01T10:00+1', '2026-01-01T10:00Z ', '２０２６-01-01', '2026-00-10', '2026-13-01', '2026-01-00', '2026-01-31T24:00Z', '2026-01-31T23:60Z', '2026-01-31T23:59:60Z', '2026-01-31T23:59:5Z', '2026-01-31T10:00+24:00', '2026-01-31T10:00+01:60', '2026-01-31T10:00+0a', '-026-01-01', '2026-01-01T10:00:00,Z'])(
    'refuses %j',
    (text) => expect(parse(text).kind).toBe(ISO_INVALID),
  );
});

describe('ZoneClock', () => {
  it('starts a normal day at local midnight', () => {
    expect(iso(new ZoneClock('Europe/London').startOfDay(day('2026-07-01')))).toBe('2026-06-30T23:00:00.000Z');
    expect(iso(new ZoneClock('UTC').startOfDay(day('2026-07-01')))).toBe('2026-07-01T00:00:00.000Z');
  });

  it('starts a day whose midnight falls in a gap at the first instant after it', () => {
    expect(iso(new ZoneClock('America/Sao_Paulo').startOfDay(day('2018-11-04')))).toBe('2018-11-04T03:00:00.000Z');
  });

  it('starts a day whose midnight happens twice at the first one', () => {
    expect(iso(new ZoneClock('America/Havana').startOfDay(day('2018-11-04')))).toBe('2018-11-04T04:00:00.000Z');
  });

  it('reads offset-less times: gap with the earlier offset, overlap as the later instant', () => {
    const london = new ZoneClock('Europe/London');
    expect(iso(london.wallToInstant(Date.UTC(2026, 2, 29, 1, 30)))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(london.wallToInstant(Date.UTC(2026, 9, 25, 1, 30)))).toBe('2026-10-25T01:30:00.000Z');
    expect(iso(london.wallToInstant(Date.UTC(2026, 9, 25, 0, 30)))).toBe('2026-10-24T23:30:00.000Z');
    expect(iso(london.wallToInstant(Date.UTC(2026, 9, 25, 2, 30)))).toBe('2026-10-25T02:30:00.000Z');
    const saoPaulo = new ZoneClock('America/Sao_Paulo');
    expect(iso(saoPaulo.wallToInstant(Date.UTC(2018, 10, 4, 0, 30)))).toBe('2018-11-04T03:30:00.000Z');
    expect(iso(saoPaulo.wallToInstant(Date.UTC(2018, 10, 4, 1, 30)))).toBe('2018-11-04T03:30:00.000Z');
  });

  it('gives the same answers from a warm cache as from a cold one', () => {
    const warm = new ZoneClock('America/New_York');
    const walls = Array.from({ length: 2000 }, (_, i) => Date.UTC(2026, 0, 1) + i * 4_321_987);
    const first = walls.map((w) => warm.wallToInstant(w));
    expect(walls.map((w) => warm.wallToInstant(w))).toEqual(first);
    expect(walls.map((w) => new ZoneClock('America/New_York').wallToInstant(w))).toEqual(first);
  });

  it('refuses an unknown zone', () => {
    expect(() => new ZoneClock('Nowhere/Special')).toThrow(RangeError);
  });
});
