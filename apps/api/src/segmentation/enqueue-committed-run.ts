import { Logger } from '@nestjs/common';
import { JobProducer, QueueUnavailableError } from '@corridor/jobs';
import { RunPlan } from '@corridor/persistence';

const logger = new Logger('CommittedRun');

/**
 * Queues the chunks of a run whose publish has already committed. Postgres is the source of truth:
 * the run and its chunks are rows, and the worker's watchdog re-queues a running run whose jobs Redis
 * does not hold (once it is older than its grace period). So with Redis away the publish still
 * succeeded and the answer says so (the run stays `running` until Redis is back); answering 503 would
 * tell the client a change failed that is live once the run completes.
 */
export async function enqueueCommittedRun(jobs: JobProducer, plan: RunPlan): Promise<void> {
  try {
    await jobs.enqueueSegmentationRun(plan.run.id, plan.chunks);
  } catch (e) {
    if (!(e instanceof QueueUnavailableError)) throw e;
    logger.warn({ msg: 'run committed but not queued: the watchdog queues it when Redis is back', runId: plan.run.id, err: e.message });
  }
}
