import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { INFER_IGNORED_SCHEDULER_ID, QUEUE } from '@corridor/contracts';
import { OutcomeStore, TreatmentRepository } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { DecisionsService } from '../src/decisions/decisions.service';
import { WorkerModule } from '../src/worker.module';
import { DecideHarness, TREATMENTS } from './decide-harness';

jest.setTimeout(180_000);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Inferred `ignored` and the pause after it, end to end: the real decide processor decides, the
 * real dispatcher delivers to a local receiver, the worker's own scheduler enqueues the sweep and
 * its processor records `ignored`; the next decision for that customer and treatment is suppressed
 * (TREATMENT_PAUSED) until the pause ends.
 */
describe('inferred ignored and the pause after it', () => {
  let ctx: TestContext;
  let app: INestApplicationContext;
  let h: DecideHarness;
  let ids: Map<string, string>;
  let destination: Awaited<ReturnType<DecideHarness['localDestination']>>;
  const id = (ext: string) => ids.get(ext)!;

  beforeAll(async () => {
    ctx = await createTestContext();
    Object.assign(process.env, {
      DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
      OUTCOME_IGNORED_SWEEP_SECONDS: '1',
      SEGMENTATION_RECONCILE_MINUTES: '0',
      SEGMENTATION_REFRESH_CRON: '',
    });
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    h = new DecideHarness(app);
    destination = await h.localDestination();
    ids = await h.seedCustomers(['quiet', 'engaged'].map((externalId) => ({ externalId, attributes: { email: `${externalId}@x.io`, country: 'US' } })));
    await h.publishPersonas();
    await h.publishStrategy({});
    // The live treatment row carries the response settings: a 1-hour window, paused after 2 ignored in a row, for 2 days.
    const renewal = TREATMENTS.find((t) => t.key === 'renewal_text')!;
    await app.get(TreatmentRepository).create({ ...renewal, responseWindowHours: 1, ignoredInARow: 2, pauseDays: 2 });
  });
  afterAll(async () => {
    await app?.close();
    await destination?.close();
    for (const k of ['DESTINATION_ALLOWED_HOSTS', 'OUTCOME_IGNORED_SWEEP_SECONDS', 'SEGMENTATION_RECONCILE_MINUTES', 'SEGMENTATION_REFRESH_CRON']) delete process.env[k];
    await ctx?.dispose();
  });

  /** An event decided and its treatment delivered by the worker; then its delivery moved `ago` into the past. */
  async function deliveredRenewal(customer: string, agoMs: number): Promise<{ eventId: string; deliveryId: string; webhookId: string; deliveredAt: Date }> {
    const eventId = await h.event(id(customer), 'renewal_sms');
    expect(await h.decisionOf(eventId)).toMatchObject({ outcome: 'treated', treatment_key: 'renewal_text' });
    const [delivery] = await eventually(async () => {
      const rows = await h.deliveriesOf(eventId);
      return rows[0]?.status === 'delivered' ? rows : undefined;
    }, 'the renewal text to be delivered', 60_000);
    expect(destination.received.has(delivery.webhook_id)).toBe(true);
    return { eventId, deliveryId: delivery.id, webhookId: delivery.webhook_id, deliveredAt: await backdate(delivery.id, agoMs) };
  }

  /** The response window is judged against the clock: the delivery happened `agoMs` ago. */
  async function backdate(deliveryId: string, agoMs: number): Promise<Date> {
    const [[row]] = await h.db.query(`UPDATE deliveries SET delivered_at = now() - make_interval(secs => $2::float8 / 1000) WHERE id = $1 RETURNING delivered_at`, [deliveryId, agoMs]);
    return row.delivered_at;
  }

  const ignoredOf = (deliveryId: string) =>
    h.db.query(`SELECT source, idempotency_key, customer_id::text, event_id::text, decision_id::text, occurred_at FROM outcomes WHERE delivery_id = $1 AND type = 'ignored'`, [deliveryId]);
  const fatigue = async (customer: string) =>
    (await h.db.query(`SELECT ignored_streak, paused_until FROM treatment_fatigue WHERE customer_id = $1 AND treatment_key = 'renewal_text'`, [id(customer)]))[0];

  it("the worker's scheduler sweeps: a delivery past its window with no engagement is ignored once; one with a click is not", async () => {
    const queue = app.get<Queue>(getQueueToken(QUEUE.outcomeSweeps));
    expect(await queue.getJobScheduler(INFER_IGNORED_SCHEDULER_ID)).toMatchObject({ every: 1000 });

    const quiet = await deliveredRenewal('quiet', 2 * HOUR);
    const engaged = await deliveredRenewal('engaged', 0);
    const within = await deliveredRenewal('engaged', 10 * 60_000);
    const [clicked] = await app.get(OutcomeStore).ingest('api', [
      { index: 0, outcome: { ref: { kind: 'delivery', webhookId: engaged.webhookId }, type: 'clicked', value: null, csat: null, nps: null, effort: null, comment: null, occurredAt: new Date(), idempotencyKey: 'click-1' } },
    ], (_i, name) => name);
    expect(clicked.status).toBe('accepted');
    // Clicked within its window, which has closed since.
    await backdate(engaged.deliveryId, 2 * HOUR);

    const [ignored] = await eventually(async () => {
      const rows = await ignoredOf(quiet.deliveryId);
      return rows.length ? rows : undefined;
    }, 'the scheduled sweep to infer ignored', 60_000);
    expect(ignored).toMatchObject({ source: 'corridor', idempotency_key: `ignored:${quiet.deliveryId}`, customer_id: id('quiet'), event_id: quiet.eventId });
    // At the close of the window: delivered + 1 hour.
    expect(new Date(ignored.occurred_at).getTime()).toBe(quiet.deliveredAt.getTime() + HOUR);
    await eventually(async () => (await h.db.query(`SELECT response_settled_at FROM deliveries WHERE id = $1`, [engaged.deliveryId]))[0].response_settled_at, 'the clicked delivery to be settled', 30_000);
    expect(await ignoredOf(engaged.deliveryId)).toEqual([]);
    // Still inside its window: left for a later run.
    expect((await h.db.query(`SELECT response_settled_at FROM deliveries WHERE id = $1`, [within.deliveryId]))[0].response_settled_at).toBeNull();
    expect(await fatigue('quiet')).toMatchObject({ ignored_streak: 1, paused_until: null });

    // A rerun over the same delivery (as if unsettled again) records nothing twice.
    await h.db.query(`UPDATE deliveries SET response_settled_at = NULL WHERE id = $1`, [quiet.deliveryId]);
    await eventually(async () => (await h.db.query(`SELECT response_settled_at FROM deliveries WHERE id = $1`, [quiet.deliveryId]))[0].response_settled_at, 'the next sweep', 30_000);
    expect(await ignoredOf(quiet.deliveryId)).toHaveLength(1);
    expect(await fatigue('quiet')).toMatchObject({ ignored_streak: 1 });
    expect(await queue.getFailedCount()).toBe(0);
  });

  // Follows the test above: the quiet customer has one ignored delivery in the streak already.
  it('two ignored in a row pause the treatment for that customer: the next decision is suppressed with TREATMENT_PAUSED, and treated again once the pause is over', async () => {
    const second = await deliveredRenewal('quiet', 3 * HOUR);
    await eventually(async () => (await ignoredOf(second.deliveryId)).length > 0, 'the second ignored', 60_000);
    const [ignored] = await ignoredOf(second.deliveryId);
    const standing = await fatigue('quiet');
    expect(standing.ignored_streak).toBe(0);
    expect(new Date(standing.paused_until).getTime()).toBe(new Date(ignored.occurred_at).getTime() + 2 * DAY);

    const paused = await h.event(id('quiet'), 'renewal_sms');
    const decision = await h.decisionOf(paused);
    expect(decision.outcome).toBe('suppressed');
    expect(decision.reasons.map((r) => r.code)).toEqual(['OPTION_MATCHED', 'TREATMENT_PAUSED']);
    expect(decision.reasons[1].details).toEqual({ treatmentKey: 'renewal_text', until: new Date(standing.paused_until).toISOString() });
    expect(await h.deliveriesOf(paused)).toEqual([]);
    // Only that customer: the one who clicked is still treated.
    const other = await h.event(id('engaged'), 'renewal_sms');
    expect(await h.decisionOf(other)).toMatchObject({ outcome: 'treated' });

    // When the pause is over (the decision's clock past paused_until) the treatment is given again.
    const later = await h.event(id('quiet'), 'renewal_sms', {}, false);
    const after = new Date(standing.paused_until).getTime() + 60_000;
    const recorded = await app.get(DecisionsService).decideEvent(later, () => after);
    expect(recorded).toMatchObject({ created: true });
    expect(await h.decisionOf(later)).toMatchObject({ outcome: 'treated', treatment_key: 'renewal_text' });
  });
});
