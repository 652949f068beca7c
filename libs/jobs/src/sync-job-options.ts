import { JobsOptions } from 'bullmq';
import { AppConfig } from '@corridor/config';

/**
 * Attempts and backoff of every sync-connection job (manual, re-queued by the watchdog, scheduled),
 * from SYNC_MAX_ATTEMPTS and SYNC_BACKOFF_BASE_MS: the worker reads `attempts` back from the job to
 * know its last attempt, when a manual run must end `failed`.
 */
export function syncJobOptions(config: Pick<AppConfig, 'SYNC_MAX_ATTEMPTS' | 'SYNC_BACKOFF_BASE_MS'>): JobsOptions {
  return { attempts: config.SYNC_MAX_ATTEMPTS, backoff: { type: 'exponential', delay: config.SYNC_BACKOFF_BASE_MS } };
}
