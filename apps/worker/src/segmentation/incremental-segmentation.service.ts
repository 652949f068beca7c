import { Injectable, Logger } from '@nestjs/common';
import { BULK_EVALUATION, EVALUATE_CUSTOMERS, EvaluationCause } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { SegmentationStore, CompiledSetCache } from '@corridor/persistence';
import { PersonaChangeNotifier } from './persona-change.notifier';

/** Re-segments customers whose data changed, under the live set, as soon as the change lands. */
@Injectable()
export class IncrementalSegmentationService {
  private readonly logger = new Logger(IncrementalSegmentationService.name);

  constructor(
    private readonly store: SegmentationStore,
    private readonly sets: CompiledSetCache,
    private readonly notifier: PersonaChangeNotifier,
    private readonly jobs: JobProducer,
  ) {}

  async evaluate(customerIds: readonly string[], cause: EvaluationCause, now = new Date()) {
    const outcome = await this.store.evaluateIncrementally(customerIds, cause, async (version, customers) => {
      const set = await this.sets.get(version);
      const assign = set.compiled.bind({ now: now.getTime(), timeZone: set.timeZone });
      return customers.map((c) => set.personaIds[assign(c.attributes)]);
    });
    if (outcome.lastHistoryId) await this.notifier.changed(outcome.lastHistoryId, outcome.changed);
    this.logger.debug({ msg: 'customers re-segmented', cause, ...outcome });
    return outcome;
  }

  /** Queues customers whose assignment disagrees with their data (one pass, bounded). */
  async reconcile(limit = 50_000): Promise<{ queued: number }> {
    const stale = await this.store.staleCustomers(limit);
    const batches: Array<{ customerIds: string[]; cause: 'data_change' }> = [];
    for (let i = 0; i < stale.length; i += 1000) batches.push({ customerIds: stale.slice(i, i + 1000), cause: 'data_change' });
    await this.jobs.enqueueMany(EVALUATE_CUSTOMERS, batches, BULK_EVALUATION);
    if (stale.length) this.logger.warn({ msg: 'reconcile queued customers whose assignment was stale', queued: stale.length });
    return { queued: stale.length };
  }
}
