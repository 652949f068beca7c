import { BULK_EVALUATION, EVALUATE_CUSTOMERS, EvaluateCustomersPayload } from '@corridor/contracts';
import { PendingEvaluation } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';

/** EVALUATE_CUSTOMERS takes at most 1,000 ids a job. */
export const EVALUATION_BATCH = 1000;

/**
 * Hands changed customers to incremental re-segmentation, 1,000 ids a job. `bulk` (sync pages,
 * sweeps) lets a webhook's few customers go first on the live queue.
 */
export async function enqueueEvaluations(jobs: JobProducer, pending: PendingEvaluation, options: { bulk: boolean }): Promise<number> {
  const payloads: EvaluateCustomersPayload[] = [];
  const add = (ids: readonly string[], cause: EvaluateCustomersPayload['cause']) => {
    for (let i = 0; i < ids.length; i += EVALUATION_BATCH) payloads.push({ customerIds: ids.slice(i, i + EVALUATION_BATCH), cause });
  };
  add(pending.newCustomer, 'new_customer');
  add(pending.dataChange, 'data_change');
  await jobs.enqueueMany(EVALUATE_CUSTOMERS, payloads, options.bulk ? BULK_EVALUATION : {});
  return payloads.length;
}
