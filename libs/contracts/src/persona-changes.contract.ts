import { IsInt, Matches, Min } from 'class-validator';
import { defineJob, jobIdOf } from './job-contract';
import { QUEUE } from './queue-names';

/**
 * "Persona changed" is not one job per customer (a publish can change a million): persona_history
 * is the event log, and this notice tells consumers (CRM write-back, later treatments) that rows up
 * to `toHistoryId` exist. Each consumer keeps its own cursor, so a lost notice only delays work.
 */
export class PersonaChangesNotice {
  @Matches(/^[0-9]{1,19}$/)
  toHistoryId: string;

  @IsInt()
  @Min(0)
  count: number;
}

/** Sent to the CRM write-back queue after persona changes are stored. */
export const PERSONA_CHANGES = defineJob({
  queue: QUEUE.crmWriteback,
  name: 'persona-changes',
  payload: PersonaChangesNotice,
  jobId: (p) => jobIdOf('persona-changes', p.toHistoryId),
});
