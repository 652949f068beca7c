import { Injectable, Logger } from '@nestjs/common';
import { EvaluationCause } from '@corridor/contracts';
import { SegmentationStore } from '@corridor/persistence';
import { CompiledSetCache } from './compiled-set.cache';
import { PersonaChangeNotifier } from './persona-change.notifier';

/** Re-segments customers whose data changed, under the live set, as soon as the change lands. */
@Injectable()
export class IncrementalSegmentationService {
  private readonly logger = new Logger(IncrementalSegmentationService.name);

  constructor(
    private readonly store: SegmentationStore,
    private readonly sets: CompiledSetCache,
    private readonly notifier: PersonaChangeNotifier,
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
}
