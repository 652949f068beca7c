import { ValidationError, type ErrorDetail } from '../errors/domain-error';
import { FEEDBACK_MEASURES, FEEDBACK_SCALES, type FeedbackMeasure } from './outcome';

/**
 * A customer's experience score (docs/experience.md, "The experience of one customer"): each piece
 * of feedback in the window on one 0–100 scale, combined by the peak-end rule. People remember an
 * experience by its most intense moment and by how it ended more than by its average, and a moment
 * of truth counts more than an ordinary touchpoint. Pure: the caller brings the feedback and the clock.
 */

export interface ExperienceSettings {
  /** Weight of the (moment-of-truth weighted) average of every piece in the window. */
  averageWeight: number;
  /** Weight of the most intense piece (farthest from neutral, 50). */
  peakWeight: number;
  /** Weight of the most recent piece. */
  endWeight: number;
  /** How much more a piece at a moment of truth counts, everywhere it counts (≥ 1). */
  momentOfTruthWeight: number;
  /** Feedback older than this many days does not count. */
  windowDays: number;
  /** A measure below this (on the 0–100 scale) at a moment of truth raises `recovery_needed`. */
  recoveryThreshold: number;
}

export const DEFAULT_EXPERIENCE_SETTINGS: Readonly<ExperienceSettings> = Object.freeze({
  averageWeight: 1,
  peakWeight: 1,
  endWeight: 1,
  momentOfTruthWeight: 2,
  windowDays: 90,
  recoveryThreshold: 40,
});

/** The bounds settings are checked against (the API's validation states them too). */
export const EXPERIENCE_SETTING_LIMITS = {
  weight: { min: 0, max: 100 },
  momentOfTruthWeight: { min: 1, max: 10 },
  windowDays: { min: 1, max: 730 },
  recoveryThreshold: { min: 0, max: 100 },
} as const;

/** One piece of feedback: what the customer answered, when, and whether the touchpoint is a moment of truth. */
export interface FeedbackPiece {
  id: string;
  /** Epoch milliseconds. */
  at: number;
  momentOfTruth: boolean;
  csat?: number | null;
  nps?: number | null;
  effort?: number | null;
}

export interface ExperienceScore {
  /** 0–100 rounded to 3 decimals; null when no feedback falls in the window. */
  score: number | null;
  /** Pieces in the window. */
  count: number;
  /** The parts, for explanations and tests (null without feedback). */
  average: number | null;
  peak: { id: string; value: number } | null;
  end: { id: string; value: number } | null;
}

const NEUTRAL = 50;

/** One measure on the 0–100 scale, 100 best (effort is inverted: 1, effortless, is 100). */
export function normaliseMeasure(measure: FeedbackMeasure, raw: number): number {
  const { min, max } = FEEDBACK_SCALES[measure];
  const share = (raw - min) / (max - min);
  return (measure === 'effort' ? 1 - share : share) * 100;
}

/** The measures a piece answers, each normalised. */
export function measuresOf(piece: Pick<FeedbackPiece, FeedbackMeasure>): Array<{ measure: FeedbackMeasure; raw: number; value: number }> {
  const out: Array<{ measure: FeedbackMeasure; raw: number; value: number }> = [];
  for (const m of FEEDBACK_MEASURES) {
    const raw = piece[m];
    if (raw !== null && raw !== undefined) out.push({ measure: m, raw, value: normaliseMeasure(m, raw) });
  }
  return out;
}

/** A piece on the 0–100 scale: the mean of its measures (null when it answers none). */
export function pieceValue(piece: Pick<FeedbackPiece, FeedbackMeasure>): number | null {
  const ms = measuresOf(piece);
  return ms.length ? ms.reduce((s, m) => s + m.value, 0) / ms.length : null;
}

/**
 * score = (a·A + p·wP·P + e·wE·E) / (a + p·wP + e·wE), where A is the average of the pieces
 * weighted by w (the moment-of-truth weight at a moment of truth, else 1), P the value of the peak
 * (the piece with the largest w·|value − 50|; the later one on a tie), E the value of the most
 * recent piece, and wP, wE their weights. Pieces older than `windowDays` before `now` are left out.
 */
export function experienceScore(pieces: readonly FeedbackPiece[], settings: ExperienceSettings, now: number): ExperienceScore {
  const since = now - settings.windowDays * 86_400_000;
  const valued = pieces
    .filter((p) => p.at > since)
    .map((p) => ({ p, v: pieceValue(p), w: p.momentOfTruth ? settings.momentOfTruthWeight : 1 }))
    .filter((x): x is { p: FeedbackPiece; v: number; w: number } => x.v !== null)
    // Oldest first; same instant: the input's order (ids as the store returns them).
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => a.p.at - b.p.at || a.i - b.i);
  if (valued.length === 0) return { score: null, count: 0, average: null, peak: null, end: null };
  const totalWeight = valued.reduce((s, x) => s + x.w, 0);
  const average = valued.reduce((s, x) => s + x.w * x.v, 0) / totalWeight;
  let peak = valued[0];
  for (const x of valued) if (x.w * Math.abs(x.v - NEUTRAL) >= peak.w * Math.abs(peak.v - NEUTRAL)) peak = x;
  const end = valued[valued.length - 1];
  const a = settings.averageWeight;
  const p = settings.peakWeight * peak.w;
  const e = settings.endWeight * end.w;
  const score = (a * average + p * peak.v + e * end.v) / (a + p + e);
  return { score: round3(score), count: valued.length, average: round3(average), peak: { id: peak.p.id, value: round3(peak.v) }, end: { id: end.p.id, value: round3(end.v) } };
}

/**
 * Whether a piece of feedback asks for service recovery: at a moment of truth, a measure below the
 * threshold. Returns the worst such measure (lowest on the 0–100 scale; csat, nps, effort on a tie)
 * with its raw answer, or null.
 */
export function recoveryNeeded(
  piece: Pick<FeedbackPiece, 'momentOfTruth' | FeedbackMeasure>,
  settings: Pick<ExperienceSettings, 'recoveryThreshold'>,
): { measure: FeedbackMeasure; score: number; value: number } | null {
  if (!piece.momentOfTruth) return null;
  let worst: { measure: FeedbackMeasure; score: number; value: number } | null = null;
  for (const m of measuresOf(piece)) {
    if (m.value < settings.recoveryThreshold && (!worst || m.value < worst.value)) worst = { measure: m.measure, score: m.raw, value: round3(m.value) };
  }
  return worst;
}

/** Checks settings as a whole (ranges, and at least one positive combination weight); throws a ValidationError naming each field. */
export function validateExperienceSettings(s: ExperienceSettings): ExperienceSettings {
  const details: ErrorDetail[] = [];
  const range = (field: keyof ExperienceSettings, min: number, max: number, integer = false) => {
    const v = s[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      details.push({ field, message: `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`, code: 'OUT_OF_RANGE' });
    }
  };
  const L = EXPERIENCE_SETTING_LIMITS;
  range('averageWeight', L.weight.min, L.weight.max);
  range('peakWeight', L.weight.min, L.weight.max);
  range('endWeight', L.weight.min, L.weight.max);
  range('momentOfTruthWeight', L.momentOfTruthWeight.min, L.momentOfTruthWeight.max);
  range('windowDays', L.windowDays.min, L.windowDays.max, true);
  range('recoveryThreshold', L.recoveryThreshold.min, L.recoveryThreshold.max);
  if (details.length === 0 && s.averageWeight + s.peakWeight + s.endWeight <= 0) {
    details.push({ field: 'averageWeight', message: 'averageWeight, peakWeight and endWeight cannot all be 0', code: 'NO_WEIGHT' });
  }
  if (details.length) throw new ValidationError('The experience settings are not valid', details);
  return s;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
