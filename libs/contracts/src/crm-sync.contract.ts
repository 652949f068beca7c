import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { defineJob, jobIdOf } from './job-contract';
import { QUEUE } from './queue-names';

export const SYNC_MODES = ['full', 'incremental'] as const;
export const SYNC_TRIGGERS = ['manual', 'schedule', 'first'] as const;

export class SyncConnectionPayload {
  @IsUUID()
  connectionId: string;

  /** The sync_runs row (manual syncs create it up front); absent for scheduled ticks. */
  @IsOptional()
  @IsUUID()
  runId?: string;

  @IsIn(SYNC_MODES)
  mode: (typeof SYNC_MODES)[number];

  @IsOptional()
  @IsIn(SYNC_TRIGGERS)
  trigger?: (typeof SYNC_TRIGGERS)[number];
}

/**
 * Sync one connection from the CRM. Idempotent in Postgres: the run's checkpoint commits with each
 * page's writes and a lease keeps two workers off one connection, so a retried or stalled job
 * resumes where the last one committed.
 */
export const SYNC_CONNECTION = defineJob({
  queue: QUEUE.crmSync,
  name: 'sync-connection',
  payload: SyncConnectionPayload,
  jobId: (p) => (p.runId ? jobIdOf('sync', p.runId) : undefined),
});

/** The fixed job-scheduler id of a connection's incremental sync (upsertJobScheduler). */
export function syncSchedulerId(connectionId: string): string {
  return jobIdOf('crm-sync-schedule', connectionId);
}

export class ApplyWebhookEventsPayload {
  @IsUUID()
  connectionId: string;
}

/** Apply a connection's pending webhook events (rows in webhook_events; processed_at commits with the changes). */
export const APPLY_WEBHOOK_EVENTS = defineJob({
  queue: QUEUE.crmSync,
  name: 'apply-webhook-events',
  payload: ApplyWebhookEventsPayload,
  jobId: () => undefined,
});

export const CRM_SYNC_JOBS = [SYNC_CONNECTION, APPLY_WEBHOOK_EVENTS] as const;
