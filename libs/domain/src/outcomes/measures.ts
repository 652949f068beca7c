import { ErrorDetail, ValidationError } from '../errors/domain-error';

/**
 * The measures of a persona × touchpoint cell: counters kept incrementally (see docs/experience.md,
 * "Measures"), and what is computed from them: rates, averages, NPS and the lift of the treatment
 * over the holdout with its confidence interval.
 */

/** The raw counters of one cell over a period (sums of the daily counters). */
export interface CellCounters {
  /** null: decisions made while the customer had no live persona. */
  personaKey: string | null;
  touchpointKey: string;
  decisions: number;
  treated: number;
  held: number;
  suppressed: number;
  heldOut: number;
  noTreatment: number;
  /** Suppressed decisions by the reason code that stopped them. */
  suppressedBy: Record<string, number>;
  deliveries: number;
  sent: number;
  dead: number;
  outcomes: Record<'delivered' | 'opened' | 'clicked' | 'converted' | 'dismissed' | 'ignored' | 'feedback', number>;
  conversionValue: number;
  /** Distinct decisions of the treated group (outcome treated or held) with at least one `converted` outcome. */
  treatedConverted: number;
  /** Distinct held-out decisions with at least one `converted` outcome. */
  holdoutConverted: number;
  csatSum: number;
  csatCount: number;
  npsSum: number;
  npsCount: number;
  npsPromoters: number;
  npsDetractors: number;
  effortSum: number;
  effortCount: number;
}

/** Below this many decisions in either group a cell's lift is not shown (overridable per call). */
export const LIFT_MIN_SAMPLE = 30;
/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;
/** The longest period one statistics request may span, in days. */
export const MEASURE_MAX_PERIOD_DAYS = 366;

export interface Interval {
  lower: number;
  upper: number;
}

/** Wilson score interval for a proportion x/n (n > 0). */
export function wilsonInterval(x: number, n: number, z = Z_95): Interval {
  if (n <= 0 || x < 0 || x > n) throw new RangeError(`wilsonInterval needs 0 <= x <= n and n > 0 (x=${x}, n=${n})`);
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // At x = 0 (x = n) the bound is exactly 0 (1); floating point would leave a hair off it.
  return { lower: x === 0 ? 0 : Math.max(0, centre - half), upper: x === n ? 1 : Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval (his method 10, 1998) for p1 − p2 of two independent
 * proportions: the Wilson intervals of each, combined by "square-and-add". It keeps its coverage
 * at small counts and near 0 or 1, where the Wald interval collapses or overshoots [-1, 1].
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, z = Z_95): { difference: number } & Interval {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const w1 = wilsonInterval(x1, n1, z);
  const w2 = wilsonInterval(x2, n2, z);
  const d = p1 - p2;
  return {
    difference: d,
    lower: d - Math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2),
    upper: d + Math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2),
  };
}

export interface GroupSample {
  /** Decisions in the group. */
  n: number;
  /** Of them, decisions with at least one conversion. */
  converted: number;
}

export type Lift =
  | {
      treated: GroupSample & { rate: number };
      holdout: GroupSample & { rate: number };
      /** Treated conversion rate minus holdout conversion rate (absolute, 0.05 = 5 points). */
      difference: number;
      confidence: 0.95;
      interval: Interval;
      method: 'newcombe-hybrid-score';
    }
  | {
      treated: GroupSample;
      holdout: GroupSample;
      insufficient: { reason: string; minimum: number };
    };

/** The lift of a cell, or why it cannot be shown (fewer than `minimum` decisions in a group). */
export function lift(treated: GroupSample, holdout: GroupSample, minimum = LIFT_MIN_SAMPLE): Lift {
  const short = [treated.n < minimum ? `treated ${treated.n}` : null, holdout.n < minimum ? `holdout ${holdout.n}` : null].filter(Boolean);
  if (short.length > 0) {
    return { treated, holdout, insufficient: { reason: `Too few decisions to measure lift: ${short.join(', ')} (at least ${minimum} in each group)`, minimum } };
  }
  const ci = newcombeDifference(treated.converted, treated.n, holdout.converted, holdout.n);
  return {
    treated: { ...treated, rate: treated.converted / treated.n },
    holdout: { ...holdout, rate: holdout.converted / holdout.n },
    difference: ci.difference,
    confidence: 0.95,
    interval: { lower: ci.lower, upper: ci.upper },
    method: 'newcombe-hybrid-score',
  };
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export interface CellFigures {
  personaKey: string | null;
  touchpointKey: string;
  /** Touchpoint events decided in the cell (one decision per event and touchpoint, so equal to decisions). */
  events: number;
  decisions: number;
  treated: number;
  held: number;
  suppressed: number;
  suppressedBy: Record<string, number>;
  heldOut: number;
  noTreatment: number;
  deliveries: number;
  sent: number;
  dead: number;
  /** Each outcome type's count, and its rate per sent delivery (null when nothing was sent). */
  outcomes: Record<string, { count: number; rate: number | null }>;
  conversions: { count: number; value: number; averageValue: number | null };
  feedback: {
    csat: { count: number; average: number | null };
    nps: { count: number; average: number | null; promoters: number; detractors: number; score: number | null };
    effort: { count: number; average: number | null };
  };
  lift: Lift;
}

/** Everything shown for a cell, from its counters. */
export function cellFigures(c: CellCounters, minimum = LIFT_MIN_SAMPLE): CellFigures {
  const outcomes: CellFigures['outcomes'] = {};
  for (const [type, count] of Object.entries(c.outcomes)) outcomes[type] = { count, rate: ratio(count, c.sent) };
  return {
    personaKey: c.personaKey,
    touchpointKey: c.touchpointKey,
    events: c.decisions,
    decisions: c.decisions,
    treated: c.treated,
    held: c.held,
    suppressed: c.suppressed,
    suppressedBy: c.suppressedBy,
    heldOut: c.heldOut,
    noTreatment: c.noTreatment,
    deliveries: c.deliveries,
    sent: c.sent,
    dead: c.dead,
    outcomes,
    conversions: { count: c.outcomes.converted, value: c.conversionValue, averageValue: ratio(c.conversionValue, c.outcomes.converted) },
    feedback: {
      csat: { count: c.csatCount, average: ratio(c.csatSum, c.csatCount) },
      nps: {
        count: c.npsCount,
        average: ratio(c.npsSum, c.npsCount),
        promoters: c.npsPromoters,
        detractors: c.npsDetractors,
        score: c.npsCount > 0 ? (100 * (c.npsPromoters - c.npsDetractors)) / c.npsCount : null,
      },
      effort: { count: c.effortCount, average: ratio(c.effortSum, c.effortCount) },
    },
    lift: lift({ n: c.treated + c.held, converted: c.treatedConverted }, { n: c.heldOut, converted: c.holdoutConverted }, minimum),
  };
}

/** A period of whole UTC days, `from` and `to` included. */
export interface Period {
  from: string;
  to: string;
  days: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(value: string): number | null {
  if (!DAY.test(value)) return null;
  const t = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== value ? null : t;
}

/** Validates a period (YYYY-MM-DD, from ≤ to, at most `maxDays` days). */
export function parsePeriod(from: string, to: string, maxDays = MEASURE_MAX_PERIOD_DAYS): Period {
  const details: ErrorDetail[] = [];
  const f = parseDay(from);
  const t = parseDay(to);
  if (f === null) details.push({ field: 'from', message: 'from must be a calendar date (YYYY-MM-DD)', code: 'isDate' });
  if (t === null) details.push({ field: 'to', message: 'to must be a calendar date (YYYY-MM-DD)', code: 'isDate' });
  if (f !== null && t !== null) {
    const days = Math.round((t - f) / 86_400_000) + 1;
    if (days < 1) details.push({ field: 'to', message: 'to must not be before from', code: 'order' });
    else if (days > maxDays) details.push({ field: 'to', message: `The period may span at most ${maxDays} days (it spans ${days})`, code: 'maxPeriod' });
    else return { from, to, days };
  }
  throw new ValidationError('The period is not valid', details);
}

/**
 * Expectation versus experience. The target is a CSAT average (1–5): the measure every touchpoint
 * can collect after the fact, on a scale people read without a legend.
 */
export const TARGET_MEASURES = ['csat'] as const;
export type TargetMeasure = (typeof TARGET_MEASURES)[number];

export interface CellTarget {
  personaKey: string;
  touchpointKey: string;
  measure: TargetMeasure;
  target: number;
}

export interface TargetGap {
  personaKey: string;
  touchpointKey: string;
  measure: TargetMeasure;
  target: number;
  /** The measured average over the period (null: no answers). */
  measured: number | null;
  responses: number;
  /** measured − target: negative falls short of the promise. Null without answers. */
  gap: number | null;
}

/** Targets against what was measured, worst first (largest shortfall; cells without answers last). */
export function targetGaps(targets: readonly CellTarget[], measured: (personaKey: string, touchpointKey: string) => { sum: number; count: number } | undefined): TargetGap[] {
  return targets
    .map((t) => {
      const m = measured(t.personaKey, t.touchpointKey);
      const average = m && m.count > 0 ? m.sum / m.count : null;
      return { ...t, measured: average, responses: m?.count ?? 0, gap: average === null ? null : average - t.target };
    })
    .sort((a, b) => {
      if (a.gap === null || b.gap === null) return a.gap === null ? (b.gap === null ? 0 : 1) : -1;
      return a.gap - b.gap || a.personaKey.localeCompare(b.personaKey) || a.touchpointKey.localeCompare(b.touchpointKey);
    });
}
