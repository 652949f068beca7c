import { DEFAULT_EXPERIENCE_SETTINGS, experienceScore, FeedbackPiece, normaliseMeasure, pieceValue, recoveryNeeded, validateExperienceSettings } from './experience-score';
import { ValidationError } from '../errors/domain-error';

const day = 86_400_000;
const NOW = Date.parse('2026-06-30T12:00:00Z');
const at = (iso: string) => Date.parse(`${iso}T12:00:00Z`);

/** The worked example of docs/experience.md ("A worked example"), piece by piece. */
const WORKED: FeedbackPiece[] = [
  { id: '1', at: at('2026-03-01'), momentOfTruth: false, csat: 1 }, // 121 days ago: outside the 90-day window
  { id: '2', at: at('2026-05-02'), momentOfTruth: false, csat: 4 }, // 75
  { id: '3', at: at('2026-05-20'), momentOfTruth: false, nps: 9, effort: 1 }, // (90 + 100) / 2 = 95
  { id: '4', at: at('2026-06-10'), momentOfTruth: false, csat: 5 }, // 100
  { id: '5', at: at('2026-06-28'), momentOfTruth: true, csat: 1, nps: 2 }, // (0 + 20) / 2 = 10, a moment of truth
];

describe('experience score (peak-end)', () => {
  it('puts every measure on 0–100, 100 best (effort inverted)', () => {
    expect([1, 2, 3, 4, 5].map((v) => normaliseMeasure('csat', v))).toEqual([0, 25, 50, 75, 100]);
    expect([0, 5, 10].map((v) => normaliseMeasure('nps', v))).toEqual([0, 50, 100]);
    expect([1, 4, 7].map((v) => normaliseMeasure('effort', v))).toEqual([100, 50, 0]);
    expect(pieceValue({ nps: 9, effort: 1 })).toBe(95);
    expect(pieceValue({})).toBeNull();
  });

  it('computes the worked example by hand: a bad last moment of truth pulls the score down to 19.6', () => {
    // w = 1, 1, 1, 2 (the last is a moment of truth); A = (75 + 95 + 100 + 2·10) / 5 = 58.
    // Intensity w·|v − 50|: 25, 45, 50, 80 → the peak is piece 5 (10); the end is piece 5 too.
    // score = (1·58 + 1·2·10 + 1·2·10) / (1 + 2 + 2) = 98 / 5 = 19.6
    const r = experienceScore(WORKED, DEFAULT_EXPERIENCE_SETTINGS, NOW);
    expect(r).toEqual({ score: 19.6, count: 4, average: 58, peak: { id: '5', value: 10 }, end: { id: '5', value: 10 } });
    // The plain average of the same four answers would say 70.
  });

  it('weighs the moment of truth: the same answers at an ordinary touchpoint score 60', () => {
    // w = 1 each: A = (75 + 95 + 100 + 10) / 4 = 70; intensities 25, 45, 50, 40 → peak piece 4 (100);
    // end piece 5 (10). score = (70 + 100 + 10) / 3 = 60.
    const ordinary = WORKED.map((p) => ({ ...p, momentOfTruth: false }));
    expect(experienceScore(ordinary, DEFAULT_EXPERIENCE_SETTINGS, NOW)).toEqual({ score: 60, count: 4, average: 70, peak: { id: '4', value: 100 }, end: { id: '5', value: 10 } });
  });

  it('a good last moment of truth lifts the score above the average', () => {
    // Pieces 2–4 as above, then a moment of truth answered CSAT 5 (100).
    const good = [...WORKED.slice(0, 4), { id: '5', at: at('2026-06-28'), momentOfTruth: true, csat: 5 }];
    // A = (75 + 95 + 100 + 2·100) / 5 = 94; intensities 25, 45, 50, 100 → peak and end piece 5.
    // score = (94 + 200 + 200) / 5 = 98.8
    expect(experienceScore(good, DEFAULT_EXPERIENCE_SETTINGS, NOW).score).toBe(98.8);
  });

  it('follows the configured weights and window', () => {
    const averageOnly = { ...DEFAULT_EXPERIENCE_SETTINGS, peakWeight: 0, endWeight: 0 };
    expect(experienceScore(WORKED, averageOnly, NOW).score).toBe(58);
    const endOnly = { ...DEFAULT_EXPERIENCE_SETTINGS, averageWeight: 0, peakWeight: 0 };
    expect(experienceScore(WORKED, endOnly, NOW).score).toBe(10);
    // A 200-day window takes piece 1 (CSAT 1 → 0) in: A = (0 + 75 + 95 + 100 + 20) / 6 = 48.333…
    const long = experienceScore(WORKED, { ...DEFAULT_EXPERIENCE_SETTINGS, windowDays: 200 }, NOW);
    expect(long.count).toBe(5);
    expect(long.average).toBe(48.333);
    // A 1-day window holds nothing: no score rather than a made-up one.
    expect(experienceScore(WORKED, { ...DEFAULT_EXPERIENCE_SETTINGS, windowDays: 1 }, NOW)).toEqual({ score: null, count: 0, average: null, peak: null, end: null });
  });

  it('takes the later piece on a tie for the peak, and the input order on a tie in time', () => {
    const tie: FeedbackPiece[] = [
      { id: 'a', at: NOW - 3 * day, momentOfTruth: false, csat: 1 }, // 0: intensity 50
      { id: 'b', at: NOW - 2 * day, momentOfTruth: false, csat: 5 }, // 100: intensity 50
      { id: 'c', at: NOW - 2 * day, momentOfTruth: false, csat: 3 }, // same instant, given last: the end
    ];
    const r = experienceScore(tie, DEFAULT_EXPERIENCE_SETTINGS, NOW);
    expect(r.peak).toEqual({ id: 'b', value: 100 });
    expect(r.end).toEqual({ id: 'c', value: 50 });
  });

  it('asks for recovery only at a moment of truth below the threshold, naming the worst measure', () => {
    expect(recoveryNeeded(WORKED[4], DEFAULT_EXPERIENCE_SETTINGS)).toEqual({ measure: 'csat', score: 1, value: 0 });
    expect(recoveryNeeded({ ...WORKED[4], momentOfTruth: false }, DEFAULT_EXPERIENCE_SETTINGS)).toBeNull();
    // CSAT 3 is 50, not below 40; effort 5 is 33.3, below.
    expect(recoveryNeeded({ momentOfTruth: true, csat: 3 }, DEFAULT_EXPERIENCE_SETTINGS)).toBeNull();
    expect(recoveryNeeded({ momentOfTruth: true, csat: 3, effort: 5 }, DEFAULT_EXPERIENCE_SETTINGS)).toEqual({ measure: 'effort', score: 5, value: 33.333 });
    // Strictly below: NPS 4 is exactly 40.
    expect(recoveryNeeded({ momentOfTruth: true, nps: 4 }, DEFAULT_EXPERIENCE_SETTINGS)).toBeNull();
    expect(recoveryNeeded({ momentOfTruth: true, nps: 4 }, { recoveryThreshold: 41 })).toEqual({ measure: 'nps', score: 4, value: 40 });
  });

  it('validates settings, naming each field', () => {
    expect(validateExperienceSettings({ ...DEFAULT_EXPERIENCE_SETTINGS })).toEqual(DEFAULT_EXPERIENCE_SETTINGS);
    const fields = (s: object) => {
      try {
        validateExperienceSettings({ ...DEFAULT_EXPERIENCE_SETTINGS, ...s });
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).details.map((d) => `${d.field}:${d.code}`);
      }
    };
    expect(fields({ windowDays: 0.5, momentOfTruthWeight: 0.5, recoveryThreshold: 101 })).toEqual(['momentOfTruthWeight:OUT_OF_RANGE', 'windowDays:OUT_OF_RANGE', 'recoveryThreshold:OUT_OF_RANGE']);
    expect(fields({ averageWeight: 0, peakWeight: 0, endWeight: 0 })).toEqual(['averageWeight:NO_WEIGHT']);
    expect(fields({ peakWeight: -1 })).toEqual(['peakWeight:OUT_OF_RANGE']);
  });
});
