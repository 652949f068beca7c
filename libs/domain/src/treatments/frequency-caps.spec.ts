import { capPeriodWindow, displacementsFor, firstCapReached, type CountedDelivery } from './frequency-caps';
import type { FrequencyCap } from './strategy';

const at = (iso: string) => Date.parse(iso);
const d = (id: string, iso: string, over: Partial<CountedDelivery> = {}): CountedDelivery => ({
  id,
  treatmentKey: 'promo',
  channel: 'email',
  at: at(iso),
  momentOfTruth: false,
  bumpable: false,
  ...over,
});
const emailPerDay: FrequencyCap = { scope: 'channel', key: 'email', period: 'day', max: 1 };

describe('frequency caps', () => {
  it('counts per calendar day in the customer zone', () => {
    // 2026-06-10 23:30 UTC is already the 11th in Berlin (CEST, +2).
    const counted = [d('1', '2026-06-10T23:30:00Z')];
    const c = { treatmentKey: 'promo', channel: 'email' as const, at: at('2026-06-11T10:00:00Z') };
    expect(firstCapReached([emailPerDay], c, counted, 'UTC')).toBeNull();
    const hit = firstCapReached([emailPerDay], c, counted, 'Europe/Berlin');
    expect(hit).toMatchObject({ count: 1, until: at('2026-06-11T22:00:00Z') });
  });

  it('channel caps count every treatment on the channel; treatment caps one treatment', () => {
    const counted = [d('1', '2026-06-10T09:00:00Z', { treatmentKey: 'other' })];
    const c = { treatmentKey: 'promo', channel: 'email' as const, at: at('2026-06-10T10:00:00Z') };
    expect(firstCapReached([emailPerDay], c, counted, 'UTC')).not.toBeNull();
    const perTreatment: FrequencyCap = { scope: 'treatment', key: 'promo', period: 'day', max: 1 };
    expect(firstCapReached([perTreatment], c, counted, 'UTC')).toBeNull();
    expect(firstCapReached([perTreatment], c, [...counted, d('2', '2026-06-10T08:00:00Z')], 'UTC')?.cap).toBe(perTreatment);
    expect(firstCapReached([emailPerDay], { ...c, channel: 'sms' }, counted, 'UTC')).toBeNull();
  });

  it('weeks start on Monday and months on the 1st, in the zone', () => {
    expect(capPeriodWindow('week', at('2026-06-10T12:00:00Z'), 'UTC')).toEqual({ start: at('2026-06-08T00:00:00Z'), end: at('2026-06-15T00:00:00Z') });
    expect(capPeriodWindow('month', at('2026-06-30T23:00:00Z'), 'Asia/Tokyo')).toEqual({ start: at('2026-06-30T15:00:00Z'), end: at('2026-07-31T15:00:00Z') });
    const perWeek: FrequencyCap = { scope: 'channel', key: 'email', period: 'week', max: 2 };
    const counted = [d('1', '2026-06-08T01:00:00Z'), d('2', '2026-06-12T01:00:00Z')];
    expect(firstCapReached([perWeek], { treatmentKey: 'x', channel: 'email', at: at('2026-06-14T23:00:00Z') }, counted, 'UTC')?.until).toBe(at('2026-06-15T00:00:00Z'));
    expect(firstCapReached([perWeek], { treatmentKey: 'x', channel: 'email', at: at('2026-06-15T00:00:00Z') }, counted, 'UTC')).toBeNull();
  });

  it('a DST day is 23 or 25 hours long and counted as one day', () => {
    // Europe/Berlin fall back 2026-10-25: the local day runs 22:00Z (24th) to 23:00Z (25th): 25 hours.
    expect(capPeriodWindow('day', at('2026-10-25T12:00:00Z'), 'Europe/Berlin')).toEqual({ start: at('2026-10-24T22:00:00Z'), end: at('2026-10-25T23:00:00Z') });
    expect(capPeriodWindow('day', at('2026-03-29T12:00:00Z'), 'Europe/Berlin')).toEqual({ start: at('2026-03-28T23:00:00Z'), end: at('2026-03-29T22:00:00Z') });
    const counted = [d('1', '2026-10-25T22:30:00Z')]; // 23:30 CET, still the 25th
    expect(firstCapReached([emailPerDay], { treatmentKey: 'x', channel: 'email', at: at('2026-10-24T22:10:00Z') }, counted, 'Europe/Berlin')).not.toBeNull();
  });

  it('priority: a moment of truth displaces a held treatment that is not one, never one already out', () => {
    const c = { treatmentKey: 'mot', channel: 'email' as const, at: at('2026-06-10T10:00:00Z') };
    expect(displacementsFor([emailPerDay], c, [d('1', '2026-06-10T09:00:00Z')], 'UTC')).toBeNull();
    expect(displacementsFor([emailPerDay], c, [d('h', '2026-06-10T18:00:00Z', { bumpable: true })], 'UTC')).toEqual(['h']);
    expect(displacementsFor([emailPerDay], c, [d('h', '2026-06-10T18:00:00Z', { bumpable: true, momentOfTruth: true })], 'UTC')).toBeNull();
    expect(displacementsFor([emailPerDay], c, [], 'UTC')).toEqual([]);
  });
});
