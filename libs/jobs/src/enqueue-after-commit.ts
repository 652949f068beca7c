import { Logger } from '@nestjs/common';
import { QueueUnavailableError } from './job-producer';

const logger = new Logger('AfterCommit');

/**
 * Queues work that follows a change already committed in Postgres. Postgres is the source of truth
 * and the worker's watchdogs derive the work from it once Redis is back (a running run's chunks, a
 * manual sync run without a job, a missing, stale or orphan schedule). So with Redis away the change
 * still happened and the caller answers 2xx: a 503 would tell the client it failed, and its retry
 * would meet the committed state (409 RUN_IN_PROGRESS, SYNC_ALREADY_RUNNING). Any other error throws.
 *
 * `what` names the work in the warning ("run", "schedule"); `ids` say which rows it belongs to.
 */
export async function enqueueAfterCommit(what: string, ids: Record<string, string>, queue: () => Promise<unknown>): Promise<void> {
  try {
    await queue();
  } catch (e) {
    if (!(e instanceof QueueUnavailableError)) throw e;
    logger.warn({ msg: `${what} committed but not queued: the watchdog queues it when Redis is back`, ...ids, err: e.message });
  }
}
