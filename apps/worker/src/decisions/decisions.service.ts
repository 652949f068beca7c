import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DISPATCH_DELIVERY } from '@corridor/contracts';
import { decide, isDelivered, type DecideResult, type DecisionReason } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { CustomerRepository, DecisionStore, TreatmentFatigueStore, type DecisionRecorded, type DecisionWrite } from '@corridor/persistence';
import { deliveryRequest } from './delivery-request';
import { StrategyCache } from './strategy.cache';

/** Caps count at most a month back (calendar month in any zone: 31 days plus a day of offsets). */
const CAP_LOOKBACK_MS = 33 * 86_400_000;

/**
 * Decides one touchpoint event: loads the event, customer, live persona and live strategy, runs
 * the pure decide() under the customer's lock (so caps are exact with concurrent workers), and
 * records the decision and its delivery. A held delivery gets a delayed dispatch job at its
 * release (the reconciler re-derives it from Postgres if Redis loses it).
 */
@Injectable()
export class DecisionsService {
  private readonly logger = new Logger('decisions');

  constructor(
    private readonly store: DecisionStore,
    private readonly customers: CustomerRepository,
    private readonly strategies: StrategyCache,
    private readonly jobs: JobProducer,
    private readonly fatigue: TreatmentFatigueStore,
  ) {}

  async decideEvent(eventId: string, clock: () => number = Date.now): Promise<DecisionRecorded | null> {
    const event = await this.store.event(eventId);
    // The event row is the truth; a job for a row that does not exist has nothing to decide.
    if (!event) return null;
    const [customer, persona, strategy, paused] = await Promise.all([
      this.customers.findById(event.customerId),
      this.store.livePersona(event.customerId),
      this.strategies.get(event.liveStrategyVersion),
      this.fatigue.paused(event.customerId, new Date(clock())),
    ]);
    let result: DecideResult | null = null;
    const recorded = await this.store.decideUnderLock(event, new Date(clock() - CAP_LOOKBACK_MS), (counted): DecisionWrite => {
      const now = clock();
      const r = decide({
        now,
        event: { touchpointKey: event.touchpointKey, properties: event.properties },
        customer: { id: event.customerId, attributes: customer?.attributes ?? {}, deleted: !customer || customer.deleted || customer.mergedIntoId !== null },
        personaKey: persona?.key ?? null,
        strategy,
        counted,
        paused,
      });
      result = r;
      const t = r.treatment;
      const delivery =
        r.delivery && t && isDelivered(t.type) && customer && r.touchpoint
          ? {
              treatmentKey: t.key,
              treatmentType: t.type,
              channel: t.channel,
              momentOfTruth: r.touchpoint.momentOfTruth,
              webhookId: `msg_${randomUUID().replace(/-/g, '')}`,
              destinationId: t.type === 'webhook' ? t.config.destinationId : null,
              connectionId: t.type === 'webhook' ? null : customer.connectionId,
              status: r.delivery.status,
              nextAttemptAt: r.delivery.status === 'held' ? new Date(r.delivery.sendAt) : null,
              request: deliveryRequest(t, { customer, persona, touchpoint: r.touchpoint, event, now }),
            }
          : null;
      const priority = r.reasons.find((x): x is DecisionReason => x.code === 'PRIORITY');
      return {
        decision: {
          personaKey: persona?.key ?? null,
          personaSetVersion: persona?.setVersion ?? null,
          strategyVersion: strategy?.strategy.version ?? null,
          optionIndex: r.optionIndex,
          treatmentKey: t?.key ?? null,
          outcome: r.outcome,
          reasons: r.reasons,
        },
        delivery,
        displace: r.displace.length > 0 && priority
          ? { ids: r.displace, reason: { code: 'PRIORITY', message: `A moment of truth at ${event.touchpointKey} took this treatment's place under the cap`, details: { byEventId: event.id } } }
          : null,
      };
    });
    if (recorded.created && recorded.deliveryId && recorded.delivery?.status === 'held' && recorded.delivery.nextAttemptAt) {
      await this.scheduleRelease(recorded.deliveryId, recorded.delivery.nextAttemptAt, clock());
    }
    if (recorded.created) this.logger.debug({ eventId, outcome: (result as DecideResult | null)?.outcome }, 'decided');
    return recorded;
  }

  /** Brings a held delivery back at its release instant (a delayed dispatch job, attempt 1). */
  private async scheduleRelease(deliveryId: string, releaseAt: Date, now: number): Promise<void> {
    try {
      await this.jobs.enqueue(DISPATCH_DELIVERY, { deliveryId, attempt: 1 }, { delay: Math.max(0, releaseAt.getTime() - now) });
    } catch (e) {
      // Committed already: the reconciler finds held deliveries past their release in Postgres.
      this.logger.warn({ deliveryId, err: (e as Error).message }, 'could not schedule the release of a held delivery');
    }
  }
}
