import { IsOptional, IsUUID, Matches } from 'class-validator';
import { defineJob, jobIdOf } from './job-contract';
import { PERSONA_CHANGES } from './persona-changes.contract';
import { QUEUE } from './queue-names';

export class WritebackConnectionPayload {
  @IsUUID()
  connectionId: string;

  @IsOptional()
  @Matches(/^[0-9]{1,19}$/)
  toHistoryId?: string;

  /** Bring the records up to date with this publish (`s<set>-t<strategy>`): one job per connection and publish. */
  @IsOptional()
  @Matches(/^s[0-9]{1,9}-t[0-9]{1,9}$/)
  publishedKey?: string;
}

/** Write personas changed since the connection's write-back cursor to its CRM (idempotent: a value written twice is the same). */
export const WRITEBACK_CONNECTION = defineJob({
  queue: QUEUE.crmWriteback,
  name: 'writeback-connection',
  payload: WritebackConnectionPayload,
  jobId: (p) =>
    p.toHistoryId ? jobIdOf('writeback', p.connectionId, p.toHistoryId) : p.publishedKey ? jobIdOf('writeback-published', p.connectionId, p.publishedKey) : undefined,
});

/** The crm-writeback queue: segmentation's PERSONA_CHANGES notice fans out to one job per connection. */
export const CRM_WRITEBACK_JOBS = [PERSONA_CHANGES, WRITEBACK_CONNECTION] as const;
