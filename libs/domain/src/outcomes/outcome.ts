/**
 * What comes back after a touchpoint: engagement with a treatment, and how the customer felt.
 * Shared by the outcomes API, signed callbacks, the measures and the experience score.
 */

/** Engagement outcomes, in the order a treatment usually earns them; `feedback` carries scores. */
export const OUTCOME_TYPES = ['delivered', 'opened', 'clicked', 'converted', 'dismissed', 'ignored', 'feedback'] as const;
export type OutcomeType = (typeof OUTCOME_TYPES)[number];

/** Engagement: any of these within a treatment's response window means it was not ignored. */
export const ENGAGEMENT_TYPES: readonly OutcomeType[] = ['opened', 'clicked', 'converted', 'dismissed'];

/** The feedback measures and their scales (inclusive). Effort: 1 is effortless, 7 very hard. */
export const FEEDBACK_SCALES = {
  csat: { min: 1, max: 5 },
  nps: { min: 0, max: 10 },
  effort: { min: 1, max: 7 },
} as const;
export type FeedbackMeasure = keyof typeof FEEDBACK_SCALES;
export const FEEDBACK_MEASURES = Object.keys(FEEDBACK_SCALES) as FeedbackMeasure[];

/** Built-in touchpoint Corridor raises when feedback at a moment of truth falls below the threshold. */
export const RECOVERY_NEEDED_TOUCHPOINT = 'recovery_needed';

/** Where an outcome came from: the API, a destination's signed callback, or Corridor (inferred). */
export const OUTCOME_SOURCE_API = 'api';
export const OUTCOME_SOURCE_INFERRED = 'corridor';
export const outcomeCallbackSource = (destinationId: string): string => `callback:${destinationId}`;
