import { ValidationError } from '../errors/domain-error';
import { CellCounters, cellFigures, lift, newcombeDifference, parsePeriod, targetGaps, wilsonInterval } from './measures';

describe('wilsonInterval', () => {
  it('matches a hand computation: 56/70', () => {
    // p = 0.8, z² = 3.8415, n = 70: centre = (0.8 + 3.8415/140) / (1 + 3.8415/70) = 0.82744 / 1.05488 = 0.78439;
    // half = 1.96 · sqrt(0.8·0.2/70 + 3.8415/19600) / 1.05488 = 1.96 · sqrt(0.0022857 + 0.000196) / 1.05488 = 0.09256.
    const w = wilsonInterval(56, 70);
    expect(w.lower).toBeCloseTo(0.6918, 4);
    expect(w.upper).toBeCloseTo(0.877, 3);
  });

  it('stays inside [0, 1] at 0 and n (where Wald collapses to a point)', () => {
    expect(wilsonInterval(0, 10).lower).toBe(0);
    expect(wilsonInterval(0, 10).upper).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(10, 10).upper).toBe(1);
    expect(wilsonInterval(10, 10).lower).toBeCloseTo(0.7225, 4);
  });
});

describe('newcombeDifference (hybrid score, method 10)', () => {
  it("matches Newcombe's (1998) published example 56/70 − 48/80: 0.0524 to 0.3339", () => {
    // By hand: p1 = 0.8, Wilson (0.6918, 0.8770); p2 = 0.6, Wilson (0.4905, 0.7004); d = 0.2.
    // L = d − sqrt((p1 − l1)² + (u2 − p2)²) = 0.2 − sqrt(0.1082² + 0.1004²) = 0.2 − sqrt(0.011700 + 0.010077) = 0.2 − 0.14757 = 0.0524
    // U = d + sqrt((u1 − p1)² + (p2 − l2)²) = 0.2 + sqrt(0.0770² + 0.1095²) = 0.2 + sqrt(0.005921 + 0.011999) = 0.2 + 0.13387 = 0.3339
    const r = newcombeDifference(56, 70, 48, 80);
    expect(r.difference).toBeCloseTo(0.2, 10);
    expect(r.lower).toBeCloseTo(0.0524, 4);
    expect(r.upper).toBeCloseTo(0.3339, 4);
  });

  it("matches the published small-sample example 9/10 − 3/10: 0.1705 to 0.8090", () => {
    const r = newcombeDifference(9, 10, 3, 10);
    expect(r.lower).toBeCloseTo(0.1705, 4);
    expect(r.upper).toBeCloseTo(0.809, 4);
  });

  it('behaves at the boundaries: 0/30 − 0/30 is an interval around 0 inside (−1, 1)', () => {
    const r = newcombeDifference(0, 30, 0, 30);
    expect(r.difference).toBe(0);
    expect(r.lower).toBeLessThan(0);
    expect(r.upper).toBeGreaterThan(0);
    expect(r.lower).toBeCloseTo(-r.upper, 10);
    expect(r.upper).toBeLessThan(0.12);
  });
});

describe('lift', () => {
  it('gives the difference, the interval and the sample sizes', () => {
    const l = lift({ n: 70, converted: 56 }, { n: 80, converted: 48 });
    expect(l).toMatchObject({ treated: { n: 70, converted: 56, rate: 0.8 }, holdout: { n: 80, converted: 48, rate: 0.6 }, confidence: 0.95, method: 'newcombe-hybrid-score' });
    if (!('interval' in l)) throw new Error('expected a number');
    expect(l.difference).toBeCloseTo(0.2, 10);
    expect(l.interval.lower).toBeCloseTo(0.0524, 4);
  });

  it('says "insufficient" with a reason when a group is under the minimum', () => {
    const l = lift({ n: 500, converted: 50 }, { n: 29, converted: 3 });
    expect(l).toEqual({
      treated: { n: 500, converted: 50 },
      holdout: { n: 29, converted: 3 },
      insufficient: { reason: 'Too few decisions to measure lift: holdout 29 (at least 30 in each group)', minimum: 30 },
    });
    expect('difference' in lift({ n: 30, converted: 0 }, { n: 30, converted: 0 })).toBe(true);
    expect('insufficient' in lift({ n: 10, converted: 0 }, { n: 10, converted: 0 }, 5)).toBe(false);
  });
});

describe('cellFigures', () => {
  const counters: CellCounters = {
    personaKey: 'p', touchpointKey: 't', decisions: 200, treated: 90, held: 10, suppressed: 20, heldOut: 60, noTreatment: 20,
    suppressedBy: { FREQUENCY_CAP: 15, CONSENT_REFUSED: 5 }, deliveries: 100, sent: 80, dead: 5,
    outcomes: { delivered: 80, opened: 40, clicked: 20, converted: 12, dismissed: 4, ignored: 10, feedback: 10 },
    conversionValue: 600, treatedConverted: 10, holdoutConverted: 3,
    csatSum: 38, csatCount: 10, npsSum: 75, npsCount: 10, npsPromoters: 5, npsDetractors: 2, effortSum: 25, effortCount: 10,
  };

  it('computes rates per sent delivery, averages, NPS and lift from the treated (treated + held) and holdout groups', () => {
    const f = cellFigures(counters);
    expect(f.outcomes.opened).toEqual({ count: 40, rate: 0.5 });
    expect(f.conversions).toEqual({ count: 12, value: 600, averageValue: 50 });
    expect(f.feedback.csat.average).toBeCloseTo(3.8, 10);
    expect(f.feedback.nps).toEqual({ count: 10, average: 7.5, promoters: 5, detractors: 2, score: 30 });
    expect(f.lift.treated).toMatchObject({ n: 100, converted: 10 });
    expect(f.lift.holdout).toMatchObject({ n: 60, converted: 3 });
  });

  it('shows nulls, not NaN, for empty cells', () => {
    const f = cellFigures({ ...counters, sent: 0, csatCount: 0, csatSum: 0, npsCount: 0, outcomes: { ...counters.outcomes, converted: 0 } });
    expect(f.outcomes.opened.rate).toBeNull();
    expect(f.feedback.csat.average).toBeNull();
    expect(f.feedback.nps.score).toBeNull();
    expect(f.conversions.averageValue).toBeNull();
  });
});

describe('parsePeriod', () => {
  it('accepts whole days, both included', () => {
    expect(parsePeriod('2026-01-01', '2026-03-31')).toEqual({ from: '2026-01-01', to: '2026-03-31', days: 90 });
  });
  it.each([
    ['2026-02-30', '2026-03-01', 'from'],
    ['2026-01-01', 'tomorrow', 'to'],
    ['2026-03-01', '2026-02-01', 'to'],
    ['2025-01-01', '2026-01-02', 'to'],
  ])('refuses %s → %s naming %s', (from, to, field) => {
    try {
      parsePeriod(from, to);
      throw new Error('expected a ValidationError');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).details[0].field).toBe(field);
    }
  });
});

describe('targetGaps', () => {
  it('puts the largest shortfall first and cells without answers last', () => {
    const measured = new Map([
      ['a|t', { sum: 45, count: 10 }],
      ['b|t', { sum: 30, count: 10 }],
      ['c|t', { sum: 42, count: 10 }],
    ]);
    const gaps = targetGaps(
      [
        { personaKey: 'a', touchpointKey: 't', measure: 'csat', target: 4 },
        { personaKey: 'b', touchpointKey: 't', measure: 'csat', target: 4 },
        { personaKey: 'c', touchpointKey: 't', measure: 'csat', target: 4.5 },
        { personaKey: 'd', touchpointKey: 't', measure: 'csat', target: 4 },
      ],
      (p, t) => measured.get(`${p}|${t}`),
    );
    expect(gaps.map((g) => [g.personaKey, g.gap === null ? null : Number(g.gap.toFixed(2))])).toEqual([['b', -1], ['c', -0.3], ['a', 0.5], ['d', null]]);
    expect(gaps[0]).toMatchObject({ target: 4, measured: 3, responses: 10 });
  });
});
