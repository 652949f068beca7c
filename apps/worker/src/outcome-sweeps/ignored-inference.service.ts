import { Injectable, Logger } from '@nestjs/common';
import { OutcomeStore } from '@corridor/persistence';

/** Deliveries settled per transaction, and transactions per run: a run is bounded, the next one goes on. */
export const IGNORED_SWEEP_BATCH = 1000;
export const IGNORED_SWEEP_MAX_BATCHES = 20;

/**
 * "Ignored" inferred: a delivered treatment with no engagement within its response window counts
 * as ignored, and the ignored streaks (pauses) move with it. The store does each batch in one
 * transaction; this only loops, bounded, so one run never holds the queue for long.
 */
@Injectable()
export class IgnoredInferenceService {
  private readonly logger = new Logger(IgnoredInferenceService.name);

  constructor(private readonly outcomes: OutcomeStore) {}

  async sweep(asOf?: Date): Promise<{ settled: number; ignored: number; more: boolean }> {
    const now = asOf ?? new Date();
    let settled = 0;
    let ignored = 0;
    for (let batch = 0; batch < IGNORED_SWEEP_MAX_BATCHES; batch++) {
      const r = await this.outcomes.inferIgnored(now, IGNORED_SWEEP_BATCH);
      settled += r.settled;
      ignored += r.ignored;
      if (r.settled < IGNORED_SWEEP_BATCH) {
        if (ignored) this.logger.log({ msg: 'inferred ignored deliveries', settled, ignored });
        return { settled, ignored, more: false };
      }
    }
    // More than a run's worth: the next scheduled run continues where this one stopped.
    this.logger.warn({ msg: 'ignored sweep stopped at its bound; the next run continues', settled, ignored });
    return { settled, ignored, more: true };
  }
}
