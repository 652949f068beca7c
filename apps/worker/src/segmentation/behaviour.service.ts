import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { BULK_EVALUATION, EVALUATE_CUSTOMERS } from '@corridor/contracts';
import { BehaviouralAttribute, computeBehaviour, planBehaviour, trackedTouchpoints } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { BehaviourStore, ComputedBehaviour } from '@corridor/persistence';
import { IncrementalSegmentationService } from './incremental-segmentation.service';

/** Customers recomputed per read of their events (one grouped query each). */
const BATCH = 500;
/** How far back the safety net looks for events whose recompute was lost. */
const BEHIND_HORIZON_MS = 24 * 3_600_000;

/**
 * Keeps behavioural attributes (event counts in a window, days since an event, the latest
 * CSAT/NPS, the experience score) up to date per customer, and re-evaluates only the customers
 * whose values changed, on the live path. Values follow calendar days in SEGMENTATION_TIMEZONE.
 */
@Injectable()
export class BehaviourService {
  private readonly logger = new Logger(BehaviourService.name);

  constructor(
    private readonly store: BehaviourStore,
    private readonly incremental: IncrementalSegmentationService,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  /**
   * Recomputes these customers' values (their events or experience changed) and re-evaluates those
   * whose values changed, or whose assignment is older than their last change (a retried job).
   * What the experience processor calls after customer_experience changes.
   */
  async refreshCustomers(customerIds: readonly string[], now = new Date()): Promise<{ changed: number; evaluated: number }> {
    const definitions = await this.store.definitions();
    if (definitions.length === 0 || customerIds.length === 0) return { changed: 0, evaluated: 0 };
    let changed = 0;
    let evaluated = 0;
    for (let i = 0; i < customerIds.length; i += BATCH) {
      const ids = customerIds.slice(i, i + BATCH);
      const moved = await this.recompute(definitions, ids, now);
      changed += moved.length;
      // What this recompute changed is evaluated now, after its commit, whatever the timestamps say:
      // an evaluation running beside it may have read the old values yet carry a later evaluated_at
      // than this changed_at (transaction start times do not order commits), and then the customer
      // would never look stale again.
      const toEvaluate = [...new Set([...moved, ...(await this.store.staleAmong(ids))])];
      if (toEvaluate.length) evaluated += (await this.incremental.evaluate(toEvaluate, 'data_change', now)).evaluated;
    }
    return { changed, evaluated };
  }

  /** Touchpoint events were stored: refresh their customers, when some attribute counts their touchpoint. */
  async eventsRecorded(eventIds: readonly string[], now = new Date()): Promise<{ customers: number; changed: number; evaluated: number }> {
    const definitions = await this.store.definitions();
    const touchpoints = [...trackedTouchpoints(definitions)];
    if (touchpoints.length === 0) return { customers: 0, changed: 0, evaluated: 0 };
    const customers = await this.store.customersOfEvents(eventIds, touchpoints);
    return { customers: customers.length, ...(await this.refreshCustomers(customers, now)) };
  }

  /**
   * Recomputes every customer whose values the calendar has moved by `asOf` (and those a new
   * attribute marked), in bounded batches. With `evaluate`, queues the changed ones for evaluation
   * at the bulk priority; the daily refresh passes false, since its full run re-evaluates everyone.
   */
  async refreshDue(asOf = new Date(), options: { evaluate: boolean } = { evaluate: true }): Promise<{ recomputed: number; changed: string[] }> {
    const definitions = await this.store.definitions();
    const changed: string[] = [];
    let recomputed = 0;
    let after = '0';
    for (;;) {
      const ids = await this.store.due(asOf, after, BATCH);
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      recomputed += ids.length;
      changed.push(...(await this.recompute(definitions, ids, asOf)));
    }
    if (options.evaluate) await this.queueEvaluation(changed);
    if (recomputed) this.logger.log({ msg: 'behaviour recomputed by the calendar', recomputed, changed: changed.length });
    return { recomputed, changed };
  }

  /** Queues customers for re-evaluation on the live path, at the bulk priority (1,000 a job). */
  async queueEvaluation(customerIds: readonly string[]): Promise<void> {
    const batches: Array<{ customerIds: string[]; cause: 'data_change' }> = [];
    for (let i = 0; i < customerIds.length; i += 1000) batches.push({ customerIds: customerIds.slice(i, i + 1000), cause: 'data_change' });
    await this.jobs.enqueueMany(EVALUATE_CUSTOMERS, batches, BULK_EVALUATION);
  }

  /** The safety net: customers with counted events received since their last recompute (a lost job). */
  async catchUp(now = new Date(), limit = 5000): Promise<number> {
    const definitions = await this.store.definitions();
    const behind = await this.store.behindEvents([...trackedTouchpoints(definitions)], new Date(now.getTime() - BEHIND_HORIZON_MS), limit);
    if (behind.length) {
      this.logger.warn({ msg: 'behaviour was behind events (a lost job): recomputing', customers: behind.length });
      await this.refreshCustomers(behind, now);
    }
    return behind.length;
  }

  /** Computes and stores the values of `ids` at `now`; returns those whose values changed. */
  private async recompute(definitions: readonly BehaviouralAttribute[], ids: readonly string[], now: Date): Promise<string[]> {
    const timeZone = this.config.SEGMENTATION_TIMEZONE;
    const plan = planBehaviour(definitions, now.getTime(), timeZone);
    return this.store.recompute(ids, plan.windows, (facts) =>
      ids.map((customerId): ComputedBehaviour => {
        const r = computeBehaviour(definitions, plan, { windows: facts.windows.get(customerId) ?? [], experience: facts.experience.get(customerId) ?? null }, now.getTime(), timeZone);
        return { customerId, values: r.values, nextChangeAt: r.nextChangeAt === null ? null : new Date(r.nextChangeAt) };
      }),
    );
  }
}
