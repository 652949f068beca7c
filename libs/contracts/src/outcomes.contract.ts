import { Matches } from 'class-validator';
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
