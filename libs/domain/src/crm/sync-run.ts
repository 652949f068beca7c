import { SyncMode } from './crm-connector.port';

export type SyncRunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type SyncTrigger = 'manual' | 'schedule' | 'first';

export interface SyncCounts {
  pages: number;
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  merged: number;
  requests: number;
  rateLimited: number;
  retries: number;
}

/** Customer ids a committed page changed, still to be handed to re-segmentation. */
export interface PendingEvaluation {
  newCustomer: string[];
  dataChange: string[];
}

export interface SyncRun extends SyncCounts {
  id: string;
  connectionId: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  status: SyncRunStatus;
  position: Record<string, unknown> | null;
  totalHint: number | null;
  /** records / totalHint, when the CRM told the total. */
  percent: number | null;
  pendingEvaluation: PendingEvaluation | null;
  /** The CRM modification-time window the run reads: after `from` (null: everything, a full sync) up to the cut-off `to`; set when it starts reading. */
  windowFrom: Date | null;
  windowTo: Date | null;
  /** When someone asked to cancel it; the worker stops at its next page (status `cancelled`, checkpoint kept). */
  cancelRequestedAt: Date | null;
  error: string | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** What one commit changed in the customer table. */
export interface ChangeSet {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  merged: number;
  newCustomerIds: string[];
  dataChangeIds: string[];
}

/** A run that will not change any more. */
export function isFinishedRun(status: SyncRunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export function percentOf(records: number, totalHint: number | null, status: SyncRunStatus): number | null {
  if (status === 'completed') return 100;
  if (!totalHint) return null;
  return Math.min(99.9, Math.round((records / totalHint) * 1000) / 10);
}
