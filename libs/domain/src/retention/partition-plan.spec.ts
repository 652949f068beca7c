import { addMonths, monthOf, planPartitions } from './partition-plan';

describe('planPartitions', () => {
  const now = new Date('2026-12-07T06:00:00Z');

  it('creates the current month and the ones ahead that are missing', () => {
    expect(planPartitions(now, ['2026-12'], { retentionDays: 0, monthsAhead: 2 })).toEqual({ create: ['2027-01', '2027-02'], drop: [], horizon: null });
  });

  it('drops only months wholly older than the retention', () => {
    const existing = ['2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02'];
    // 60 days before Dec 7 is Oct 8: October still holds rows inside the window.
    const plan = planPartitions(now, existing, { retentionDays: 60, monthsAhead: 2 });
    expect(plan.drop).toEqual(['2026-08', '2026-09']);
    expect(plan.horizon).toEqual(new Date('2026-10-01T00:00:00Z'));
    expect(plan.create).toEqual([]);
  });

  it('keeps the current month even with a retention shorter than a month', () => {
    const plan = planPartitions(new Date('2026-12-01T00:00:01Z'), ['2026-11', '2026-12'], { retentionDays: 1, monthsAhead: 0 });
    expect(plan.drop).toEqual([]);
    expect(planPartitions(new Date('2026-12-02T00:00:01Z'), ['2026-11', '2026-12'], { retentionDays: 1, monthsAhead: 0 }).drop).toEqual(['2026-11']);
  });

  it('counts months across a year end, in UTC', () => {
    expect(addMonths('2026-11', 3)).toBe('2027-02');
    expect(addMonths('2027-01', -1)).toBe('2026-12');
    expect(monthOf(new Date('2026-12-31T23:59:59Z'))).toBe('2026-12');
  });
});
