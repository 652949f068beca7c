import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FEEDBACK_RECORDED_TOPIC } from '@corridor/persistence';
import { eventually } from '@corridor/testing';
import { WorkerModule } from '../../worker/src/worker.module';
import { DecideHarness } from '../../worker/test/decide-harness';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

const DEFAULTS = { averageWeight: 1, peakWeight: 1, endWeight: 1, momentOfTruthWeight: 2, windowDays: 90, recoveryThreshold: 40 };

/**
 * The journey timeline and the experience settings over HTTP, with the real worker deciding the
 * events and reacting to the feedback (outcomes inserted with their outbox row, as the outcomes API does).
 */
describe('experience: journey timeline and settings', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let h: DecideHarness;
  let ids: Map<string, string>;
  let destination: Awaited<ReturnType<DecideHarness['localDestination']>>;
  let seq = 0;

  beforeAll(async () => {
    api = await startApiTestApp({ env: { DESTINATION_ALLOWED_HOSTS: '127.0.0.1', EXPERIENCE_REFRESH_CRON: '' } });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    h = new DecideHarness(worker);
    destination = await h.localDestination();
    ids = await h.seedCustomers([
      { externalId: 'ann', attributes: { email: 'ann@x.io', first_name: 'Ann', country: 'US', email_opt_out: false } },
      { externalId: 'bob', attributes: { email: 'bob@x.io', first_name: 'Bob', country: 'US' } },
    ]);
    await h.publishPersonas();
    await h.db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position, moment_of_truth) VALUES ('first_order', 'First order', 'onboarding', 'email', 10, true)`);
  });
  afterAll(async () => {
    await worker?.close();
    await destination?.close();
    await api?.close();
  });

  const get = (path: string, role: 'agent' | 'admin' | 'integration' = 'agent') => api.http.get(path).set(api.auth(role));

  /** An outcome against an event (and its delivery), with the feedback outbox row when it is feedback. */
  async function outcome(eventId: string, type: string, fields: { deliveryId?: string; csat?: number; nps?: number; comment?: string } = {}): Promise<string> {
    return h.db.transaction(async (m) => {
      const [{ id }] = await m.query(
        `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, delivery_id, touchpoint_key, csat, nps, comment, occurred_at)
         SELECT 'api', $2, $3, e.customer_id, e.id, d.id, $4, e.touchpoint_key, $5, $6, $7, now()
           FROM touchpoint_events e LEFT JOIN decisions d ON d.event_id = e.id WHERE e.id = $1 RETURNING id::text`,
        [eventId, `o-${++seq}`, type, fields.deliveryId ?? null, fields.csat ?? null, fields.nps ?? null, fields.comment ?? null],
      );
      if (type === 'feedback') await m.query(`INSERT INTO outbox (topic, ref) VALUES ($1, $2)`, [FEEDBACK_RECORDED_TOPIC, id]);
      return id;
    });
  }

  it('shows the events newest first with decisions, deliveries, outcomes and feedback, pages by cursor, and the experience', async () => {
    const strategy = await h.publishStrategy({});
    const ann = ids.get('ann')!;
    const signup = await h.event(ann, 'signup', { plan: 'free' });
    const order = await h.event(ann, 'first_order', { plan: 'free' });
    const call = await h.event(ann, 'support_call', { plan: 'free' });
    await Promise.all([signup, order, call].map((e) => h.decisionOf(e)));
    const [welcome] = await h.deliveriesOf(signup);
    await outcome(signup, 'clicked', { deliveryId: welcome.id });
    const fb = await outcome(order, 'feedback', { csat: 2, nps: 3, comment: 'late' });
    // The worker scores the feedback and raises recovery_needed (first_order is a moment of truth).
    await eventually(async () => (await get('/v1/customers/ann/timeline')).body.experience?.feedbackCount === 1, 'the feedback to be scored');
    const recovery = await eventually(async () => {
      const [r] = await h.db.query(`SELECT id::text FROM touchpoint_events WHERE customer_id = $1 AND touchpoint_key = 'recovery_needed'`, [ann]);
      return r;
    }, 'the recovery event');
    await h.decisionOf(recovery.id);

    // Our events only: persona_changed events Corridor raises may come too.
    const all = await get('/v1/customers/email:ann@x.io/timeline?limit=100');
    expect(all.status).toBe(200);
    const mine = all.body.events.filter((e: { touchpointKey: string }) => e.touchpointKey !== 'persona_changed');
    expect(mine.map((e: { id: string }) => e.id)).toEqual([recovery.id, call, order, signup]);
    const byId = Object.fromEntries(all.body.events.map((e: { id: string }) => [e.id, e]));
    expect(all.body.customer).toMatchObject({ id: ann, email: 'ann@x.io', externalId: 'ann' });
    // CSAT 2 → 25, NPS 3 → 30: one piece, 27.5, at a moment of truth.
    expect(all.body.experience).toMatchObject({ score: 27.5, feedbackCount: 1, windowDays: 90, lastCsat: 2, lastNps: 3, lastEffort: null });
    expect(byId[signup]).toMatchObject({
      touchpointKey: 'signup',
      decisions: [{ outcome: 'treated', personaKey: 'vip', strategyVersion: strategy.version, treatmentKey: 'welcome_mail', reasons: [{ code: 'OPTION_MATCHED' }], deliveries: [{ id: welcome.id, treatmentKey: 'welcome_mail' }] }],
      outcomes: [{ type: 'clicked', deliveryId: welcome.id, source: 'api', csat: null }],
    });
    expect(byId[order].outcomes).toEqual([expect.objectContaining({ id: fb, type: 'feedback', csat: 2, nps: 3, comment: 'late', deliveryId: null })]);
    expect(byId[call].decisions[0]).toMatchObject({ treatmentKey: 'vip_script', outcome: 'treated' });
    // Why not: the strategy has no cell for recovery_needed, and the timeline says so.
    expect(byId[recovery.id]).toMatchObject({ source: 'corridor', properties: { touchpoint: 'first_order', measure: 'csat', score: 2, outcomeId: fb } });
    expect(byId[recovery.id].decisions[0]).toMatchObject({ outcome: 'no_treatment', reasons: [{ code: 'NO_CELL' }] });

    // Pages of one: the same events in the same order, then no next.
    const seen: string[] = [];
    let next: string | null = null;
    for (let i = 0; i < 50; i++) {
      const page = await get(`/v1/customers/${ann}/timeline?limit=1${next ? `&before=${next}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.events.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.events.map((e: { id: string }) => e.id));
      next = page.body.next;
      if (!next) break;
    }
    // Compared without persona_changed events: Corridor may raise one between the requests.
    const ours = new Set(mine.map((e: { id: string }) => e.id));
    expect(seen.filter((e) => ours.has(e))).toEqual(mine.map((e: { id: string }) => e.id));

    // The agent's strategy view carries the experience and the way to the timeline.
    const view = await get('/v1/customers/ann/strategy');
    expect(view.status).toBe(200);
    expect(view.body.experience).toMatchObject({ score: 27.5, feedbackCount: 1, lastCsat: 2 });
    expect(view.body.timeline).toBe(`/v1/customers/${ann}/timeline`);
  });

  it('shows a customer without feedback with an empty experience, and refuses bad input', async () => {
    const bob = await get('/v1/customers/bob/timeline');
    expect(bob.status).toBe(200);
    expect(bob.body.experience).toEqual({ score: null, feedbackCount: 0, windowDays: 90, lastCsat: null, lastNps: null, lastEffort: null, lastFeedbackAt: null, updatedAt: null });
    const badCursor = await get('/v1/customers/bob/timeline?before=garbage');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.details[0]).toMatchObject({ field: 'before', code: 'INVALID_CURSOR' });
    const badLimit = await get('/v1/customers/bob/timeline?limit=101');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.details[0].field).toBe('limit');
    expect((await get('/v1/customers/email:nobody@x.io/timeline')).body.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await get('/v1/customers/id:0/timeline')).body.code).toBe('INVALID_CUSTOMER_REF');
    expect((await get('/v1/customers/bob/timeline', 'integration')).status).toBe(403);
    expect((await get('/v1/customers/bob/timeline', 'admin')).status).toBe(200);
  });

  it('reads the default settings, validates and stores new ones (admin only)', async () => {
    const initial = await get('/v1/experience/settings');
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({ ...DEFAULTS, saved: false });
    const put = (body: unknown, role: 'admin' | 'agent' = 'admin') => api.http.put('/v1/experience/settings').set(api.auth(role)).send(body as object);
    expect((await put(DEFAULTS, 'agent')).status).toBe(403);

    const bad = await put({ ...DEFAULTS, windowDays: 0.5, peakWeight: -1, recoveryThreshold: 'low' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect([...new Set(bad.body.details.map((d: { field: string }) => d.field))].sort()).toEqual(['peakWeight', 'recoveryThreshold', 'windowDays']);
    const missing = await put({ averageWeight: 1 });
    expect(missing.status).toBe(400);
    expect(missing.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['endWeight', 'windowDays']));
    const none = await put({ ...DEFAULTS, averageWeight: 0, peakWeight: 0, endWeight: 0 });
    expect(none.status).toBe(400);
    expect(none.body.details).toEqual([expect.objectContaining({ field: 'averageWeight', code: 'NO_WEIGHT' })]);
    expect((await get('/v1/experience/settings')).body.saved).toBe(false);

    const next = { averageWeight: 2, peakWeight: 1.5, endWeight: 1, momentOfTruthWeight: 3, windowDays: 30, recoveryThreshold: 50 };
    const ok = await put(next);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ...next, saved: true });
    expect((await get('/v1/experience/settings', 'admin')).body).toEqual({ ...next, saved: true });
    // The timeline reports the window in force.
    expect((await get('/v1/customers/bob/timeline')).body.experience.windowDays).toBe(30);
  });
});
