import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { DECIDE_EVENT, DECIDE_EVENTS, DISPATCH_DELIVERY, QUEUE } from '@corridor/contracts';
import { holdoutBucket, webhookIdArrival } from '@corridor/domain';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';
import { DecideHarness, DESTINATION_ID } from './decide-harness';

jest.setTimeout(180_000);

/** The decide processor through real Postgres, Redis and BullMQ: enqueue DECIDE_EVENT, read what it wrote. */
describe('decide processor', () => {
  let ctx: TestContext;
  let app: INestApplicationContext;
  let h: DecideHarness;
  let ids: Map<string, string>;
  let dispatchQueue: Queue;
  let destination: Awaited<ReturnType<DecideHarness['localDestination']>>;

  beforeAll(async () => {
    ctx = await createTestContext();
    process.env.DESTINATION_ALLOWED_HOSTS = '127.0.0.1';
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    h = new DecideHarness(app);
    destination = await h.localDestination();
    dispatchQueue = app.get<Queue>(getQueueToken(QUEUE.treatmentDispatch));
    ids = await h.seedCustomers(
      Array.from({ length: 60 }, (_, i) => ({
        externalId: `c${i}`,
        attributes: { email: `c${i}@x.io`, first_name: `Ann${i}`, country: i === 59 ? 'FR' : 'US', email_opt_out: i === 1 },
      })),
    );
    await h.publishPersonas();
  });
  afterAll(async () => {
    await app?.close();
    await destination?.close();
    delete process.env.DESTINATION_ALLOWED_HOSTS;
    await ctx?.dispose();
  });

  const id = (ext: string) => ids.get(ext)!;

  it('treats: first option whose condition holds, records persona and versions, creates the delivery and its outbox row', async () => {
    const strategy = await h.publishStrategy({});
    const free = await h.event(id('c0'), 'signup', { plan: 'free' });
    const pro = await h.event(id('c0'), 'signup', { plan: 'pro' });
    const d = await h.decisionOf(free);
    expect(d).toMatchObject({ outcome: 'treated', persona_key: 'vip', strategy_version: strategy.version, option_index: 1, treatment_key: 'welcome_mail' });
    expect(d.persona_set_version).toEqual(expect.any(Number));
    expect(d.reasons.map((r) => r.code)).toEqual(['OPTION_MATCHED']);
    const [delivery] = await h.deliveriesOf(free);
    expect(delivery).toMatchObject({ decision_id: d.id, treatment_key: 'welcome_mail', channel: 'email', destination_id: DESTINATION_ID });
    // Pending until the worker's dispatcher sends it to the local destination (it may already have).
    expect(['pending', 'delivered']).toContain(delivery.status);
    expect(delivery.request).toEqual({ destinationId: DESTINATION_ID, body: { to: 'c0@x.io', persona: 'vip', plan: 'free', text: 'Hello Ann0' } });
    expect(delivery.webhook_id).toMatch(/^msg_[0-9a-f]{32}$/);
    // It carries its event's arrival (the database's received_at, to the millisecond): an outcome naming it is looked up in that month.
    const [{ ms }] = await h.db.query(`SELECT floor(extract(epoch FROM received_at) * 1000)::bigint::text AS ms FROM touchpoint_events WHERE id = $1`, [free]);
    expect(webhookIdArrival(delivery.webhook_id)).toBe(Number(ms));
    expect(await h.outboxFor(delivery.id)).toBe(1);

    expect(await h.decisionOf(pro)).toMatchObject({ outcome: 'treated', option_index: 0, treatment_key: 'pro_task' });
    const [task] = await h.deliveriesOf(pro);
    expect(task.request).toMatchObject({ subject: 'Call Ann0 about pro', externalId: 'c0' });
    expect(task.connection_id).toEqual(expect.any(String));
  });

  it('a repeated job (a retry) finds the decision and creates nothing more', async () => {
    await h.publishStrategy({});
    const e = await h.event(id('c2'), 'signup');
    await h.decisionOf(e);
    const done = await h.jobs.enqueue(DECIDE_EVENT, { eventId: e }, { jobId: `again-${e}` });
    await eventually(async () => (await app.get<Queue>(getQueueToken(QUEUE.touchpointEvents)).getJobState(done!)) === 'completed', 'the repeated job');
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM decisions WHERE event_id = $1`, [e]);
    expect(n).toBe(1);
    expect(await h.deliveriesOf(e)).toHaveLength(1);
  });

  it('agent scripts decide without a delivery; no persona cell means no treatment', async () => {
    await h.publishStrategy({});
    const call = await h.event(id('c3'), 'support_call');
    expect(await h.decisionOf(call)).toMatchObject({ outcome: 'treated', treatment_key: 'vip_script' });
    expect(await h.deliveriesOf(call)).toHaveLength(0);
    const fr = await h.event(id('c59'), 'signup'); // the fallback persona has no cell
    const d = await h.decisionOf(fr);
    expect(d).toMatchObject({ outcome: 'no_treatment', persona_key: 'everyone_else' });
    expect(d.reasons[0].code).toBe('NO_CELL');
  });

  it('consent: suppressed, naming the attribute, and nothing is sent', async () => {
    await h.publishStrategy({ consent: [{ channel: 'email', attribute: 'email_opt_out' }] });
    const e = await h.event(id('c1'), 'signup');
    const d = await h.decisionOf(e);
    expect(d.outcome).toBe('suppressed');
    expect(d.reasons[1]).toMatchObject({ code: 'CONSENT_REFUSED', details: { channel: 'email', attribute: 'email_opt_out' } });
    expect(await h.deliveriesOf(e)).toHaveLength(0);
  });

  it('holdout: customers in the keyed-hash share are held out, the rest treated', async () => {
    const salt = 'holdout-int';
    await h.publishStrategy({ holdoutPercent: 50, holdoutSalt: salt });
    const candidates = Array.from({ length: 40 }, (_, i) => `c${i + 10}`);
    const inside = candidates.find((c) => holdoutBucket(salt, id(c)) < 5000)!;
    const outside = candidates.find((c) => holdoutBucket(salt, id(c)) >= 5000)!;
    const a = await h.event(id(inside), 'signup');
    const b = await h.event(id(outside), 'signup');
    expect(await h.decisionOf(a)).toMatchObject({ outcome: 'held_out', reasons: [{ code: 'OPTION_MATCHED' }, { code: 'HOLDOUT' }] });
    expect(await h.deliveriesOf(a)).toHaveLength(0);
    expect((await h.decisionOf(b)).outcome).toBe('treated');
  });

  it('frequency cap: the second email of the day is suppressed with the cap and until when', async () => {
    await h.publishStrategy({ caps: [{ scope: 'channel', key: 'email', period: 'day', max: 1 }], defaultTimeZone: 'Asia/Tokyo' });
    const first = await h.event(id('c4'), 'signup');
    expect((await h.decisionOf(first)).outcome).toBe('treated');
    const second = await h.event(id('c4'), 'signup');
    const d = await h.decisionOf(second);
    expect(d.outcome).toBe('suppressed');
    const tokyoMidnight = DateTime.now().setZone('Asia/Tokyo').startOf('day').plus({ days: 1 }).toUTC().toISO({ suppressMilliseconds: false });
    expect(d.reasons[1]).toMatchObject({ code: 'FREQUENCY_CAP', details: { period: 'day', max: 1, count: 1, timeZone: 'Asia/Tokyo', until: tokyoMidnight } });
    expect(await h.deliveriesOf(second)).toHaveLength(0);
  });

  it('priority: a moment of truth takes the place of a held treatment under the cap', async () => {
    // Quiet hours all day long on sms (held until tomorrow) and one sms a day.
    const now = DateTime.utc();
    await h.publishStrategy({
      quietHours: { start: now.minus({ minutes: 30 }).toFormat('HH:mm'), end: now.plus({ hours: 3 }).toFormat('HH:mm'), channels: ['sms'] },
      caps: [{ scope: 'channel', key: 'sms', period: 'day', max: 1 }],
    });
    const minor = await h.event(id('c5'), 'renewal_sms');
    expect((await h.decisionOf(minor)).outcome).toBe('held');
    const mot = await h.event(id('c5'), 'renewal_due');
    const d = await h.decisionOf(mot);
    expect(d.outcome).toBe('held');
    expect(d.reasons.map((r) => r.code)).toEqual(['OPTION_MATCHED', 'PRIORITY', 'QUIET_HOURS']);
    const [displaced] = await h.deliveriesOf(minor);
    expect(displaced.status).toBe('suppressed');
    const before = await h.db.query(`SELECT outcome, reasons FROM decisions WHERE event_id = $1`, [minor]);
    expect(before[0].outcome).toBe('suppressed');
    expect(before[0].reasons.map((r: { code: string }) => r.code)).toEqual(['OPTION_MATCHED', 'QUIET_HOURS', 'PRIORITY']);
    // A third (minor) one finds the cap taken by the moment of truth.
    const third = await h.event(id('c5'), 'renewal_sms');
    expect((await h.decisionOf(third)).reasons.map((r) => r.code)).toEqual(['OPTION_MATCHED', 'FREQUENCY_CAP']);
  });

  it('a batch (DECIDE_EVENTS, as the relay sends) counts what it made itself: the cap, and a moment of truth displacing a held delivery of the same batch', async () => {
    const now = DateTime.utc();
    await h.publishStrategy({
      quietHours: { start: now.minus({ minutes: 30 }).toFormat('HH:mm'), end: now.plus({ hours: 3 }).toFormat('HH:mm'), channels: ['sms'] },
      caps: [{ scope: 'channel', key: 'sms', period: 'day', max: 1 }, { scope: 'channel', key: 'email', period: 'day', max: 2 }],
    });
    // c8: minor sms (held), a moment of truth (displaces it), another minor (the cap is taken);
    // c9: three emails, the third over the cap; all in one job, c9's interleaved with c8's.
    const minor = await h.event(id('c8'), 'renewal_sms', {}, false);
    const mails = [await h.event(id('c9'), 'signup', {}, false), await h.event(id('c9'), 'signup', {}, false)];
    const mot = await h.event(id('c8'), 'renewal_due', {}, false);
    mails.push(await h.event(id('c9'), 'signup', {}, false));
    const third = await h.event(id('c8'), 'renewal_sms', {}, false);
    await h.jobs.enqueue(DECIDE_EVENTS, { eventIds: [minor, mails[0], mails[1], mot, mails[2], third] });

    const d = await h.decisionOf(mot);
    expect(d.outcome).toBe('held');
    expect(d.reasons.map((r) => r.code)).toEqual(['OPTION_MATCHED', 'PRIORITY', 'QUIET_HOURS']);
    const [displaced] = await h.deliveriesOf(minor);
    // The reason names the displaced delivery by the id it was stored under.
    expect(d.reasons[1].details).toMatchObject({ displaced: [displaced.id] });
    expect(displaced.status).toBe('suppressed');
    const [before] = await h.db.query(`SELECT outcome, reasons FROM decisions WHERE event_id = $1`, [minor]);
    expect(before.outcome).toBe('suppressed');
    expect(before.reasons.map((r: { code: string }) => r.code)).toEqual(['OPTION_MATCHED', 'QUIET_HOURS', 'PRIORITY']);
    expect((await h.decisionOf(third)).reasons.map((r) => r.code)).toEqual(['OPTION_MATCHED', 'FREQUENCY_CAP']);
    expect(await h.deliveriesOf(third)).toHaveLength(0);
    // The held moment of truth is brought back at its release (a delayed dispatch job); the displaced one is not.
    const [held] = await h.deliveriesOf(mot);
    expect(held.status).toBe('held');
    expect(await dispatchQueue.getJob(DISPATCH_DELIVERY.jobId({ deliveryId: held.id, attempt: 1 })!)).toBeDefined();
    expect(await dispatchQueue.getJob(DISPATCH_DELIVERY.jobId({ deliveryId: displaced.id, attempt: 1 })!)).toBeUndefined();

    expect(await Promise.all(mails.map(async (m) => (await h.decisionOf(m)).outcome))).toEqual(['treated', 'treated', 'suppressed']);
    for (const m of mails.slice(0, 2)) {
      const [v] = await h.deliveriesOf(m);
      expect(await h.outboxFor(v.id)).toBe(1);
    }
    // Again, as a retry or a second relay would: nothing more is written.
    await h.jobs.enqueue(DECIDE_EVENTS, { eventIds: [minor, mails[0], mails[1], mot, mails[2], third] }, { jobId: undefined });
    await h.jobs.enqueue(DECIDE_EVENT, { eventId: mails[2] }, { jobId: undefined });
    await new Promise((r) => setTimeout(r, 1500));
    const [{ decisions, deliveries }] = await h.db.query(
      `SELECT (SELECT count(*)::int FROM decisions WHERE event_id = ANY($1::bigint[])) AS decisions, (SELECT count(*)::int FROM deliveries WHERE event_id = ANY($1::bigint[])) AS deliveries`,
      [[minor, mot, third, ...mails]],
    );
    expect({ decisions, deliveries }).toEqual({ decisions: 6, deliveries: 4 });
  });

  it('quiet hours: held with its release time, no outbox row, and released (due on the dispatch queue) when the window ends', async () => {
    // A window that started a minute ago and ends at the next whole minute at least 5 s away, in Kolkata (+05:30).
    const zone = 'Asia/Kolkata';
    const local = DateTime.now().setZone(zone);
    let end = local.startOf('minute').plus({ minutes: 1 });
    if (end.diff(local).toMillis() < 5_000) end = end.plus({ minutes: 1 });
    await h.publishStrategy({
      quietHours: { start: local.minus({ minutes: 1 }).toFormat('HH:mm'), end: end.toFormat('HH:mm'), channels: ['email'] },
      defaultTimeZone: zone,
    });
    const e = await h.event(id('c6'), 'signup');
    const d = await h.decisionOf(e);
    expect(d.outcome).toBe('held');
    expect(d.reasons[1]).toMatchObject({ code: 'QUIET_HOURS', details: { releaseAt: end.toUTC().toISO(), timeZone: zone } });
    const [delivery] = await h.deliveriesOf(e);
    expect(delivery.status).toBe('held');
    expect(delivery.next_attempt_at!.getTime()).toBe(end.toMillis());
    expect(await h.outboxFor(delivery.id)).toBe(0);
    const jobId = DISPATCH_DELIVERY.jobId({ deliveryId: delivery.id, attempt: 1 })!;
    expect(await dispatchQueue.getJobState(jobId)).toBe('delayed');
    // The worker's dispatcher sends it once quiet hours end, not before.
    await eventually(async () => destination.received.has(delivery.webhook_id), 'the held delivery to be released and sent', 120_000, 250);
    expect(destination.received.get(delivery.webhook_id)!).toBeGreaterThanOrEqual(end.toMillis());
  });
});
