import { ENGAGEMENT_TYPES, type OutcomeType } from './outcome';

/**
 * How a treatment listens for a response, and when it rests: a delivery with no engagement within
 * `responseWindowHours` of being delivered is `ignored`; `ignoredInARow` ignored deliveries of the
 * treatment in a row for one customer pause it for that customer for `pauseDays`.
 */
export interface TreatmentResponseSettings {
  responseWindowHours: number;
  ignoredInARow: number;
  pauseDays: number;
}

export const TREATMENT_RESPONSE_DEFAULTS: TreatmentResponseSettings = { responseWindowHours: 72, ignoredInARow: 3, pauseDays: 30 };

export const TREATMENT_RESPONSE_LIMITS = {
  responseWindowHours: { min: 1, max: 24 * 90 },
  ignoredInARow: { min: 1, max: 100 },
  pauseDays: { min: 1, max: 365 },
} as const;

/** A treatment's own settings (null: not set) over the defaults. */
export function responseSettings(own: Partial<Record<keyof TreatmentResponseSettings, number | null | undefined>>): TreatmentResponseSettings {
  return {
    responseWindowHours: own.responseWindowHours ?? TREATMENT_RESPONSE_DEFAULTS.responseWindowHours,
    ignoredInARow: own.ignoredInARow ?? TREATMENT_RESPONSE_DEFAULTS.ignoredInARow,
    pauseDays: own.pauseDays ?? TREATMENT_RESPONSE_DEFAULTS.pauseDays,
  };
}

/** One customer's standing with one treatment: the ignored deliveries in a row, and a pause (epoch ms) if any. */
export interface TreatmentFatigue {
  ignoredStreak: number;
  pausedUntil: number | null;
}

export const NO_FATIGUE: TreatmentFatigue = { ignoredStreak: 0, pausedUntil: null };

const DAY_MS = 86_400_000;

/**
 * The standing after one more outcome about the treatment (outcomes applied in the order they
 * occurred). `ignored` lengthens the streak; reaching the limit pauses the treatment from the
 * moment of that outcome for `pauseDays` and starts a new streak (so after the pause it takes the
 * full count again). Any engagement ends the streak; a pause already earned stays. Other types
 * (delivered, feedback) change nothing.
 */
export function nextFatigue(state: TreatmentFatigue, outcome: { type: OutcomeType; at: number }, settings: TreatmentResponseSettings): TreatmentFatigue {
  if (outcome.type === 'ignored') {
    const streak = state.ignoredStreak + 1;
    if (streak < settings.ignoredInARow) return { ...state, ignoredStreak: streak };
    const until = outcome.at + settings.pauseDays * DAY_MS;
    return { ignoredStreak: 0, pausedUntil: Math.max(until, state.pausedUntil ?? 0) };
  }
  if (ENGAGEMENT_TYPES.includes(outcome.type)) return { ...state, ignoredStreak: 0 };
  return state;
}

/** A treatment paused for a customer until `until` (epoch ms), with the streak that earned it. */
export interface TreatmentPause {
  treatmentKey: string;
  until: number;
}

/** The pause that holds for this treatment at `now`, or null (a pause ends at `until`). */
export function activePause(pauses: readonly TreatmentPause[] | undefined, treatmentKey: string, now: number): TreatmentPause | null {
  return pauses?.find((p) => p.treatmentKey === treatmentKey && p.until > now) ?? null;
}
