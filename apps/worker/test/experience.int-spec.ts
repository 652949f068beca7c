import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { EXPERIENCE_REFRESH_SCHEDULER_ID, QUEUE, REACT_TO_FEEDBACK } from '@corridor/contracts';
import { DEFAULT_CONTACT_POLICIES, DEFAULT_JOURNEY_STAGES, type Touchpoint, type Treatment } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { AttributeRepository, FEEDBACK_RECORDED_TOPIC, StrategyVersionRepository } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';
import { CELLS, DecideHarness, DESTINATION_ID, TOUCHPOINTS, TREATMENTS } from './decide-harness';

jest.setTimeout(180_000);

const DAY = 86_400_000;

/**
 * Feedback in → the real outbox relay → REACT_TO_FEEDBACK on the outcomes queue → the customer's
 * experience row, and for a bad moment of truth one `recovery_needed` event decided by the live
 * strategy and delivered. Outcomes are inserted directly with their outbox row, in one transaction,
 * as the outcomes API does (built in parallel).
 */
describe('react to feedback (experience score, service recovery)', () => {
  let ctx: TestContext;
  let app: INestApplicationContext;
  let h: DecideHarness;
  let ids: Map<string, string>;
  let queue: Queue;
  let destination: Awaited<ReturnType<DecideHarness['localDestination']>>;
  let seq = 0;

  beforeAll(async () => {
    ctx = await createTestContext();
    Object.assign(process.env, { DESTINATION_ALLOWED_HOSTS: '127.0.0.1', EXPERIENCE_REFRESH_CRON: '*/2 * * * * *', OUTBOX_RECONCILE_SECONDS: '1', OUTBOX_RECONCILE_GRACE_SECONDS: '1' });
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    h = new DecideHarness(app);
    queue = app.get<Queue>(getQueueToken(QUEUE.outcomes));
    destination = await h.localDestination();
    ids = await h.seedCustomers(['c0', 'c1', 'c2', 'c3'].map((externalId) => ({ externalId, attributes: { email: `${externalId}@x.io`, first_name: externalId, country: 'US' } })));
    await h.publishPersonas();
    // The touchpoints as admins mapped them: the renewal is a moment of truth, a support call is not.
    await h.db.query(
      `INSERT INTO touchpoints (key, name, stage_key, channel, position, moment_of_truth) VALUES ('renewal_due', 'Renewal due', 'loyalty', 'sms', 10, true), ('support_call', 'Support call', 'service', 'phone', 10, false)`,
    );
    // The strategy answers recovery_needed with a webhook to the support tool.
    const recovery: Touchpoint = {
      key: 'recovery_needed', name: 'Recovery needed', stageKey: 'service', channel: 'crm', major: false, momentOfTruth: false, owner: 'Corridor', description: '', builtIn: true, position: 2,
      eventProperties: [{ name: 'touchpoint', type: 'string' }, { name: 'measure', type: 'string' }, { name: 'score', type: 'number' }, { name: 'outcomeId', type: 'string' }],
    };
    const hook: Treatment = {
      key: 'recovery_hook', name: 'Tell support', description: '', channel: 'crm', type: 'webhook',
      config: { destinationId: DESTINATION_ID, payloadTemplate: { customer: '{{customer.email}}', at: '{{event.touchpoint}}', measure: '{{event.measure}}' } },
    };
    await app.get(StrategyVersionRepository).publish(
      {
        stages: [...DEFAULT_JOURNEY_STAGES],
        touchpoints: [...TOUCHPOINTS, recovery],
        treatments: [...TREATMENTS, hook],
        cells: [...CELLS, { personaKey: 'vip', touchpointKey: 'recovery_needed', options: [{ treatmentKey: 'recovery_hook' }] }],
        policies: { ...DEFAULT_CONTACT_POLICIES },
      },
      null,
    );
  });
  afterAll(async () => {
    await app?.close();
    await destination?.close();
    delete process.env.DESTINATION_ALLOWED_HOSTS;
    delete process.env.EXPERIENCE_REFRESH_CRON;
    delete process.env.OUTBOX_RECONCILE_SECONDS;
    delete process.env.OUTBOX_RECONCILE_GRACE_SECONDS;
    await ctx?.dispose();
  });

  const id = (ext: string) => ids.get(ext)!;

  /** A touchpoint event and a feedback outcome against it, with its outbox row, in one transaction. */
  async function feedback(
    customerId: string,
    touchpoint: string,
    answers: { csat?: number; nps?: number; effort?: number },
    occurredAt: Date,
    options: { outbox?: boolean } = {},
  ): Promise<{ eventId: string; outcomeId: string }> {
    const n = ++seq;
    return h.db.transaction(async (m) => {
      const [{ id: eventId }] = await m.query(
        `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, properties) VALUES ('test', $1, $2, $3, $4, '{}') RETURNING id::text`,
        [`fb-event-${n}`, touchpoint, customerId, occurredAt],
      );
      const [{ id: outcomeId }] = await m.query(
        `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, touchpoint_key, csat, nps, effort, occurred_at)
         VALUES ('api', $1, 'feedback', $2, $3, $4, $5, $6, $7, $8) RETURNING id::text`,
        [`fb-${n}`, customerId, eventId, touchpoint, answers.csat ?? null, answers.nps ?? null, answers.effort ?? null, occurredAt],
      );
      if (options.outbox !== false) await m.query(`INSERT INTO outbox (topic, ref) VALUES ($1, $2)`, [FEEDBACK_RECORDED_TOPIC, outcomeId]);
      return { eventId, outcomeId };
    });
  }

  /** The job of each outcome has completed; returns their results. */
  function reacted(outcomeIds: readonly string[]): Promise<Array<Record<string, any>>> {
    return eventually(async () => {
      const jobs = await Promise.all(outcomeIds.map((o) => queue.getJob(REACT_TO_FEEDBACK.jobId({ outcomeId: o })!)));
      if (jobs.some((j) => !j || !j.finishedOn)) return null;
      expect(jobs.map((j) => j!.failedReason ?? null)).toEqual(outcomeIds.map(() => null));
      return jobs.map((j) => j!.returnvalue);
    }, 'the react-to-feedback jobs');
  }

  async function experienceOf(customerId: string): Promise<Record<string, unknown> | undefined> {
    const [row] = await h.db.query(
      `SELECT score::float8 AS score, feedback_count, last_csat, last_nps, last_effort, last_feedback_at FROM customer_experience WHERE customer_id = $1`,
      [customerId],
    );
    return row;
  }

  async function recoveries(customerId: string): Promise<Array<{ id: string; idempotency_key: string; properties: Record<string, unknown> }>> {
    return h.db.query(
      `SELECT id::text, idempotency_key, properties FROM touchpoint_events WHERE customer_id = $1 AND touchpoint_key = 'recovery_needed' AND source = 'corridor' ORDER BY id`,
      [customerId],
    );
  }

  it('scores the worked example (19.6) and answers the bad last moment of truth with one recovery, decided and delivered', async () => {
    const now = Date.now();
    const pieces = [
      await feedback(id('c0'), 'support_call', { csat: 1 }, new Date(now - 121 * DAY)), // out of the window
      await feedback(id('c0'), 'support_call', { csat: 4 }, new Date(now - 59 * DAY)),
      await feedback(id('c0'), 'support_call', { nps: 9, effort: 1 }, new Date(now - 41 * DAY)),
      await feedback(id('c0'), 'support_call', { csat: 5 }, new Date(now - 20 * DAY)),
      await feedback(id('c0'), 'renewal_due', { csat: 1, nps: 2 }, new Date(now - 2 * DAY)),
    ];
    const results = await reacted(pieces.map((p) => p.outcomeId));
    expect(await experienceOf(id('c0'))).toEqual({
      score: 19.6,
      feedback_count: 4,
      last_csat: 1,
      last_nps: 2,
      last_effort: 1,
      last_feedback_at: new Date(now - 2 * DAY),
    });
    // Only the moment of truth asked for recovery (the old CSAT 1 was at an ordinary touchpoint).
    expect(results.map((r) => r.recovery?.raised ?? null)).toEqual([null, null, null, null, true]);
    const [event, ...more] = await recoveries(id('c0'));
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      idempotency_key: `recovery_needed:${pieces[4].outcomeId}`,
      properties: { touchpoint: 'renewal_due', measure: 'csat', score: 1, outcomeId: pieces[4].outcomeId },
    });
    // The live strategy answers it: the support tool's webhook, delivered.
    const decision = await h.decisionOf(event.id);
    expect(decision).toMatchObject({ outcome: 'treated', persona_key: 'vip', treatment_key: 'recovery_hook' });
    const [delivery] = await h.deliveriesOf(event.id);
    await eventually(async () => destination.received.has(delivery.webhook_id), 'the recovery webhook to arrive');
    expect(delivery.request).toMatchObject({ body: { customer: 'c0@x.io', at: 'renewal_due', measure: 'csat' } });

    // The same job again (a retry, a relay that enqueued twice after its job id was forgotten):
    // nothing changes and no second recovery.
    const jobId = `repeat-${pieces[4].outcomeId}`;
    await app.get(JobProducer).enqueue(REACT_TO_FEEDBACK, { outcomeId: pieces[4].outcomeId }, { jobId });
    const repeat = await eventually(async () => {
      const j = await queue.getJob(jobId);
      return j?.finishedOn ? j : null;
    }, 'the repeated job');
    expect(repeat.failedReason).toBeFalsy();
    expect(repeat.returnvalue).toMatchObject({ changed: false, score: 19.6, recovery: { eventId: event.id, raised: false } });
    expect(await recoveries(id('c0'))).toHaveLength(1);
    expect(await experienceOf(id('c0'))).toMatchObject({ score: 19.6, feedback_count: 4 });
  });

  it('raises no recovery for good feedback at a moment of truth, nor bad feedback elsewhere; says when the row changed', async () => {
    const now = Date.now();
    const good = await feedback(id('c1'), 'renewal_due', { csat: 5 }, new Date(now - 3 * DAY));
    const [first] = await reacted([good.outcomeId]);
    expect(first).toMatchObject({ found: true, changed: true, score: 100, recovery: null });
    const bad = await feedback(id('c1'), 'support_call', { csat: 1, effort: 7 }, new Date(now - DAY));
    const [second] = await reacted([bad.outcomeId]);
    // A = (2·100 + 0) / 3 = 66.667; peak: the renewal (2·50 = 100 > 50); end: the call (0, w 1).
    // score = (66.667 + 2·100 + 0) / (1 + 2 + 1) = 66.667
    expect(second).toMatchObject({ changed: true, score: 66.667, recovery: null });
    expect(await experienceOf(id('c1'))).toMatchObject({ score: 66.667, feedback_count: 2, last_csat: 1, last_nps: null, last_effort: 7 });
    expect(await recoveries(id('c1'))).toEqual([]);
  });

  it('counts every piece when twenty feedback jobs of one customer arrive at once', async () => {
    const now = Date.now();
    // Twenty answers CSAT 1..5 in turn, committed at once, their jobs run concurrently (each recompute
    // reads the table under the customer lock, so the last one to run sees them all).
    const pieces = await Promise.all(Array.from({ length: 20 }, (_, i) => feedback(id('c1'), 'support_call', { csat: (i % 5) + 1 }, new Date(now - (30 - i) * 60_000))));
    await reacted(pieces.map((p) => p.outcomeId));
    const row = await experienceOf(id('c1'));
    // With the two pieces of the last test: 22 in the window; the latest answer is the 20th (CSAT 5).
    expect(row).toMatchObject({ feedback_count: 22, last_csat: 5 });
  });

  it('reacts to feedback whose job was lost: the outbox reconciler re-queues it from Postgres', async () => {
    // Stored without its outbox row: as if Redis lost the job after the relay stamped the row.
    const lost = await feedback(id('c3'), 'renewal_due', { nps: 0 }, new Date(Date.now() - 60_000), { outbox: false });
    const row = await eventually(() => experienceOf(id('c3')), 'the reconciler to re-queue the lost feedback', 30_000);
    expect(row).toMatchObject({ score: 0, feedback_count: 1, last_nps: 0 });
    const [event, ...more] = await eventually(async () => ((await recoveries(id('c3'))).length ? recoveries(id('c3')) : null), 'its recovery');
    expect(more).toEqual([]);
    expect(event.properties).toEqual({ touchpoint: 'renewal_due', measure: 'nps', score: 0, outcomeId: lost.outcomeId });
  });

  it('refresh-experience: the daily schedule recomputes a row whose window dropped feedback', async () => {
    expect(await queue.getJobScheduler(EXPERIENCE_REFRESH_SCHEDULER_ID)).toMatchObject({ pattern: '*/2 * * * * *' });
    const piece = await feedback(id('c2'), 'support_call', { csat: 4 }, new Date(Date.now() - 80 * DAY));
    await reacted([piece.outcomeId]);
    expect(await experienceOf(id('c2'))).toMatchObject({ score: 75, feedback_count: 1 });
    // Fifteen days on: the row was written when the piece was 85 days old, and it is now 95.
    await h.db.query(`UPDATE outcomes SET occurred_at = now() - interval '95 days' WHERE id = $1`, [piece.outcomeId]);
    await h.db.query(`UPDATE customer_experience SET updated_at = now() - interval '15 days' WHERE customer_id = $1`, [id('c2')]);
    const row = await eventually(async () => {
      const r = await experienceOf(id('c2'));
      return r && r.feedback_count === 0 ? r : null;
    }, 'the scheduled refresh to recompute the row', 30_000);
    // No feedback in the window: no score; the latest answer stays what it was.
    expect(row).toMatchObject({ score: null, feedback_count: 0, last_csat: 4 });
    expect(await queue.getFailedCount()).toBe(0);
  });

  it("a changed experience refreshes the customer's behavioural attributes (last CSAT, score) that rules read", async () => {
    await app.get(AttributeRepository).createBehaviour({ name: 'csat_latest', behaviour: { kind: 'last_csat' } });
    await app.get(AttributeRepository).createBehaviour({ name: 'experience', behaviour: { kind: 'experience_score' } });
    const piece = await feedback(id('c1'), 'support_call', { csat: 2 }, new Date(Date.now() - 60_000));
    await reacted([piece.outcomeId]);
    const [row] = await h.db.query(`SELECT values FROM customer_behaviour WHERE customer_id = $1`, [id('c1')]);
    const experience = await experienceOf(id('c1'));
    // The listener ran after the processor's commit, before the job completed.
    expect(row?.values).toEqual({ csat_latest: 2, experience: experience!.score });
    // Only the customer whose feedback it was.
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM customer_behaviour WHERE customer_id <> $1 AND values ? 'csat_latest'`, [id('c1')]);
    expect(n).toBe(0);
  });
});
