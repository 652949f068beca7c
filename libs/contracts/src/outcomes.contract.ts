import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { defineJob, jobIdOf } from './job-contract';
import { QUEUE } from './queue-names';

const BIGINT_ID = /^[0-9]{1,19}$/;

export class ReactToFeedbackPayload {
  @Matches(BIGINT_ID)
  outcomeId: string;
}

/**
 * React to one stored feedback outcome: refresh the customer's experience (score, latest answers),
 * and raise `recovery_needed` when it is below the threshold at a moment of truth. Announced by an
 * outbox row (topic `feedback-recorded`) written with the outcome; the row is the truth.
 */
export const REACT_TO_FEEDBACK = defineJob({
  queue: QUEUE.outcomes,
  name: 'react-to-feedback',
  payload: ReactToFeedbackPayload,
  jobId: (p) => jobIdOf('feedback', p.outcomeId),
});

export class RefreshExperiencePayload {}

/**
 * Daily (a job scheduler with a fixed id): recomputes the experience of customers whose counted
 * feedback has left the window since their row was written, a bounded number per run.
 */
export const REFRESH_EXPERIENCE = defineJob({
  queue: QUEUE.outcomes,
  name: 'refresh-experience',
  payload: RefreshExperiencePayload,
  jobId: () => undefined,
});

export const EXPERIENCE_REFRESH_SCHEDULER_ID = 'experience-refresh';

/** Every job of the outcomes queue (its processor must handle each). */
export const OUTCOME_JOBS = [REACT_TO_FEEDBACK, REFRESH_EXPERIENCE] as const;

export class InferIgnoredPayload {
  /** The instant windows are judged at (tests); defaults to when the job runs. */
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

/**
 * Infer `ignored` for delivered deliveries whose treatment's response window closed with no
 * engagement, in bounded batches. Run by a job scheduler with a fixed id; each outcome's key is
 * derived from its delivery, so a rerun (or two at once) records nothing twice.
 */
export const INFER_IGNORED = defineJob({
  queue: QUEUE.outcomeSweeps,
  name: 'infer-ignored',
  payload: InferIgnoredPayload,
  jobId: () => undefined,
});

/** The scheduler's fixed id (BullMQ job scheduler). */
export const INFER_IGNORED_SCHEDULER_ID = 'infer-ignored';

/** Every job of the outcome-sweeps queue (its processor must handle each). */
export const OUTCOME_SWEEP_JOBS = [INFER_IGNORED] as const;
