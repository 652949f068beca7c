import { Injectable, Logger, Optional } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DISPATCH_DELIVERIES, DISPATCH_DELIVERY, eventArrival } from '@corridor/contracts';
import { decide, isDelivered, mintWebhookId, type DecideResult, type DecisionReason } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { correlationIdFrom, withCorrelationId, WorkerMetrics } from '@corridor/observability';
import { CustomerRepository, DecisionStore, OutboxStore, TreatmentFatigueStore, type DecisionRecorded, type DecisionWrite, type EventArrivalRange, type EventToDecide } from '@corridor/persistence';
import { RELAY_JOB_BATCH } from '../outbox/outbox-topics';
import { deliveryRequest } from './delivery-request';
import { StrategyCache } from './strategy.cache';

const compareIds = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Caps count at most a month back (calendar month in any zone: 31 days plus a day of offsets). */
const CAP_LOOKBACK_MS = 33 * 86_400_000;

/**
 * Decides touchpoint events: loads the events, customers, live personas and live strategy, runs
 * the pure decide() per event under the customers' locks (so caps are exact with concurrent
 * workers), and records the decisions and their deliveries. Once that commits, the new pending
 * deliveries' first attempts are enqueued (DISPATCH_DELIVERIES) and a held delivery gets a delayed
 * dispatch job at its release (the reconciler re-derives either from Postgres if Redis loses it).
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
    private readonly outbox: OutboxStore,
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {}

  async decideEvent(eventId: string, clock: () => number = Date.now, arrival?: EventArrivalRange): Promise<DecisionRecorded | null> {
    return (await this.decideEvents([eventId], clock, arrival))[0];
  }

  /**
   * Decides several events (one job's worth) with one read per kind (events, customers, live
   * personas) and one transaction holding all their customers' locks. decide() still runs once per
   * event, inside that event's correlation id (its request's, stored with the event), so what it
   * logs and the release jobs it enqueues carry the id. Returns, per id, what was recorded (null: no
   * such event, nothing to decide). `arrival` is the job's hint of when the events arrived: the
   * reads by id then skip other months' partitions (without it they probe every month).
   */
  async decideEvents(eventIds: readonly string[], clock: () => number = Date.now, arrival?: EventArrivalRange): Promise<Array<DecisionRecorded | null>> {
    const events = await this.store.events(eventIds, arrival);
    if (events.length === 0) return eventIds.map(() => null);
    const customerIds = [...new Set(events.map((e) => e.customerId))];
    const [customers, personas, paused, strategies] = await Promise.all([
      this.customers.findByIds(customerIds),
      this.store.livePersonas(customerIds),
      // Treatments paused after ignored deliveries (read outside the locks: a pause only ever starts with an outcome).
      this.fatigue.pausedFor(customerIds, new Date(clock())),
      // Read once for the batch: every event of it was read with the same live version.
      this.strategies.get(events[0].liveStrategyVersion),
    ]);
    const outcomes = new Map<string, DecideResult>();
    const recorded = await this.store.decideBatchUnderLocks(events, new Date(clock() - CAP_LOOKBACK_MS), (event, counted): DecisionWrite =>
      this.inContext(event, () => {
        const now = clock();
        const customer = customers.get(event.customerId) ?? null;
        const persona = personas.get(event.customerId) ?? null;
        const strategy = strategies;
        const r = decide({
          now,
          event: { touchpointKey: event.touchpointKey, properties: event.properties },
          customer: { id: event.customerId, attributes: customer?.attributes ?? {}, deleted: !customer || customer.deleted || customer.mergedIntoId !== null },
          personaKey: persona?.key ?? null,
          strategy,
          counted,
          paused: paused.get(event.customerId) ?? [],
        });
        outcomes.set(event.id, r);
        const t = r.treatment;
        const delivery =
          r.delivery && t && isDelivered(t.type) && customer && r.touchpoint
            ? {
                treatmentKey: t.key,
                treatmentType: t.type,
                channel: t.channel,
                momentOfTruth: r.touchpoint.momentOfTruth,
                // Carries the event's arrival (its month): an outcome naming it is looked up in that month.
                webhookId: mintWebhookId(new Date(event.receivedAt).getTime(), randomBytes(10)),
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
      }),
    );
    const byId = new Map<string, DecisionRecorded>();
    const toDispatch: Array<{ id: string; receivedAt: string; outboxId: string | null }> = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const rec = recorded[i];
      byId.set(event.id, rec);
      if (!rec.created) continue;
      if (rec.deliveryId && rec.delivery?.status === 'pending') toDispatch.push({ id: rec.deliveryId, receivedAt: event.receivedAt, outboxId: rec.outboxId });
      this.count(outcomes.get(event.id));
      await this.inContext(event, async () => {
        if (rec.deliveryId && rec.delivery?.status === 'held' && rec.delivery.nextAttemptAt) await this.scheduleRelease(rec.deliveryId, event.receivedAt, rec.delivery.nextAttemptAt, clock());
        this.logger.debug({ eventId: event.id, outcome: outcomes.get(event.id)?.outcome }, 'decided');
      });
    }
    await this.dispatchNow(toDispatch);
    return eventIds.map((id) => byId.get(id) ?? null);
  }

  /**
   * The new pending deliveries' first attempts, enqueued by the job that made them once they are
   * committed: no outbox relay pass (a NOTIFY, a claim transaction in every worker process) between
   * a decision and its dispatch. Their outbox rows were written stamped relayed; once the batches
   * are enqueued each row gets its batch's job id, so the reconciler leaves a delivery waiting in
   * its batch behind a dispatch backlog alone. If the enqueue is lost (Redis away, the process dies
   * here) no id is recorded and the reconciler finds the pending deliveries in Postgres; if only the
   * record is lost, it asks about the delivery's own single job (a duplicate at worst, unique in Postgres).
   */
  private async dispatchNow(deliveries: ReadonlyArray<{ id: string; receivedAt: string; outboxId: string | null }>): Promise<void> {
    if (deliveries.length === 0) return;
    const sorted = [...deliveries].sort((a, b) => compareIds(a.id, b.id));
    const batches: Array<{ deliveryIds: string[]; receivedFrom?: string; receivedTo?: string }> = [];
    const recorded: Array<{ outboxId: string; jobId: string }> = [];
    // Each batch names its events' arrival: the dispatch locks its deliveries in those months only.
    for (let i = 0; i < sorted.length; i += RELAY_JOB_BATCH) {
      const batch = sorted.slice(i, i + RELAY_JOB_BATCH);
      const payload = { deliveryIds: batch.map((d) => d.id), ...eventArrival(batch.map((d) => d.receivedAt)) };
      batches.push(payload);
      const jobId = DISPATCH_DELIVERIES.jobId(payload)!;
      for (const d of batch) if (d.outboxId) recorded.push({ outboxId: d.outboxId, jobId });
    }
    try {
      await this.jobs.enqueueMany(DISPATCH_DELIVERIES, batches);
    } catch (e) {
      this.logger.warn({ deliveries: deliveries.length, err: (e as Error).message }, 'could not enqueue the dispatch of new deliveries; the reconciler will');
      return;
    }
    await this.outbox
      .recordJobs(recorded)
      .catch((e) => this.logger.warn({ deliveries: deliveries.length, err: (e as Error).message }, 'could not record the dispatch jobs of new deliveries'));
  }

  private count(r: DecideResult | undefined): void {
    if (!this.metrics || !r) return;
    this.metrics.eventsDecided.inc();
    // The first reason names what suppressed it (a cap, quiet hours, a pause); other outcomes need no reason label.
    const reason = r.outcome === 'suppressed' ? (r.reasons[0]?.code ?? 'unknown') : '';
    this.metrics.decisions.inc({ outcome: r.outcome, reason });
  }

  /** Runs `fn` under the event's own correlation id (the request that sent it), else the job's. */
  private inContext<T>(event: EventToDecide, fn: () => T): T {
    return event.correlationId ? withCorrelationId(correlationIdFrom(event.correlationId), fn) : fn();
  }

  /** Brings a held delivery back at its release instant (a delayed dispatch job, attempt 1). */
  private async scheduleRelease(deliveryId: string, eventReceivedAt: string, releaseAt: Date, now: number): Promise<void> {
    try {
      await this.jobs.enqueue(DISPATCH_DELIVERY, { deliveryId, attempt: 1, ...eventArrival([eventReceivedAt]) }, { delay: Math.max(0, releaseAt.getTime() - now) });
    } catch (e) {
      // Committed already: the reconciler finds held deliveries past their release in Postgres.
      this.logger.warn({ deliveryId, err: (e as Error).message }, 'could not schedule the release of a held delivery');
    }
  }
}
