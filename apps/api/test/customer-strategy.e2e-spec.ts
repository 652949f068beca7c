import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DateTime } from 'luxon';
import { holdoutBucket } from '@corridor/domain';
import { WorkerModule } from '../../worker/src/worker.module';
import { DecideHarness } from '../../worker/test/decide-harness';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/** The agent's view over HTTP, with the real worker deciding the events it lists. */
describe('GET /v1/customers/:ref/strategy', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let h: DecideHarness;
  let ids: Map<string, string>;
  let destination: Awaited<ReturnType<DecideHarness['localDestination']>>;

  beforeAll(async () => {
    api = await startApiTestApp({ env: { DESTINATION_ALLOWED_HOSTS: '127.0.0.1' } });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    h = new DecideHarness(worker);
    destination = await h.localDestination();
    ids = await h.seedCustomers([
      { externalId: 'ann', attributes: { email: 'ann@x.io', first_name: 'Ann', country: 'US', email_opt_out: false } },
      { externalId: 'bob', attributes: { email: 'bob@x.io', first_name: 'Bob', country: 'US', email_opt_out: true } },
      { externalId: 'cara', attributes: { email: 'cara@x.io', first_name: 'Cara', country: 'FR' } },
    ]);
    await h.publishPersonas();
  });
  afterAll(async () => {
    await worker?.close();
    await destination?.close();
    await api?.close();
  });

  const view = (ref: string, role: 'agent' | 'admin' | 'integration' = 'agent') => api.http.get(`/v1/customers/${encodeURIComponent(ref)}/strategy`).set(api.auth(role));
  const codes = (t: { reasons: Array<{ code: string }> }) => t.reasons.map((r) => r.code);

  it('shows the persona and why, every touchpoint in journey order with what the customer gets now and why, and recent events', async () => {
    const now = DateTime.utc();
    const strategy = await h.publishStrategy({
      consent: [{ channel: 'email', attribute: 'email_opt_out' }],
      caps: [{ scope: 'channel', key: 'email', period: 'day', max: 1 }],
      quietHours: { start: now.minus({ minutes: 30 }).toFormat('HH:mm'), end: now.plus({ hours: 2 }).toFormat('HH:mm'), channels: ['sms'] },
    });
    const signup = await h.event(ids.get('ann')!, 'signup', { plan: 'free' });
    await h.decisionOf(signup);

    const res = await view('email:ann@x.io');
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.customer).toMatchObject({ id: ids.get('ann'), email: 'ann@x.io', externalId: 'ann' });
    expect(body.persona).toMatchObject({ key: 'vip', name: 'VIP', description: 'Customers in the US we call personally' });
    expect(body.persona.explanation).toBeDefined();
    expect(body.strategyVersion).toBe(strategy.version);
    expect(body.touchpoints.map((t: { key: string }) => t.key)).toEqual(['signup', 'first_order', 'support_call', 'renewal_sms', 'renewal_due']);
    const tp = Object.fromEntries(body.touchpoints.map((t: { key: string }) => [t.key, t]));

    // The pro option reads event.plan: the event decides; otherwise the welcome mail, capped today.
    expect(tp.signup).toMatchObject({ stageKey: 'purchase', dependsOnEvent: true, optionIndex: 1, outcome: 'suppressed', treatment: { key: 'welcome_mail' } });
    expect(tp.signup.options.map((o: { standing: string }) => o.standing)).toEqual(['depends_on_event', 'always']);
    expect(codes(tp.signup)).toEqual(['OPTION_MATCHED', 'FREQUENCY_CAP']);
    expect(tp.signup.reasons[1].details).toMatchObject({ until: now.startOf('day').plus({ days: 1 }).toISO() });
    expect(tp.first_order).toMatchObject({ momentOfTruth: true, outcome: 'suppressed' });
    expect(tp.support_call).toMatchObject({ outcome: 'treated', treatment: { key: 'vip_script', type: 'agent_script', script: 'Thank them for being a VIP' } });
    expect(tp.renewal_sms).toMatchObject({ outcome: 'held' });
    expect(tp.renewal_sms.reasons[1]).toMatchObject({ code: 'QUIET_HOURS', details: { releaseAt: expect.any(String) } });

    // Her events: the signup (and, once Corridor has raised them, persona_changed events).
    const byTouchpoint = (key: string) => body.recentEvents.filter((e: { touchpointKey: string }) => e.touchpointKey === key);
    for (const e of byTouchpoint('persona_changed')) expect(e).toMatchObject({ source: 'corridor' });
    expect(byTouchpoint('signup')).toHaveLength(1);
    expect(byTouchpoint('signup')[0]).toMatchObject({
      id: signup,
      touchpointKey: 'signup',
      properties: { plan: 'free' },
      decisions: [{ outcome: 'treated', personaKey: 'vip', strategyVersion: strategy.version, treatmentKey: 'welcome_mail', deliveries: [{ channel: 'email', treatmentKey: 'welcome_mail' }] }],
    });
    expect(['pending', 'delivered']).toContain(byTouchpoint('signup')[0].decisions[0].deliveries[0].status);
  });

  it('says consent stops the email, the fallback persona has nothing planned, and the holdout', async () => {
    const bob = (await view('bob')).body;
    expect(bob.touchpoints.find((t: { key: string }) => t.key === 'signup')).toMatchObject({ outcome: 'suppressed', reasons: [{ code: 'OPTION_MATCHED' }, { code: 'CONSENT_REFUSED', details: { attribute: 'email_opt_out' } }] });
    const cara = (await view(ids.get('cara')!)).body;
    expect(cara.persona.key).toBe('everyone_else');
    expect(cara.touchpoints.every((t: { outcome: string; reasons: Array<{ code: string }> }) => t.outcome === 'no_treatment' && t.reasons[0].code === 'NO_CELL')).toBe(true);
    const ann = ids.get('ann')!;
    let salt = 0;
    while (holdoutBucket(`s${salt}`, ann) >= 5000) salt++;
    await h.publishStrategy({ holdoutPercent: 50, holdoutSalt: `s${salt}` });
    const held = (await view('ann')).body;
    expect(held.touchpoints.find((t: { key: string }) => t.key === 'support_call')).toMatchObject({ outcome: 'held_out', reasons: [{ code: 'OPTION_MATCHED' }, { code: 'HOLDOUT' }] });
  });

  it('answers 404 for nobody, 400 naming a bad query, and refuses the integration key', async () => {
    expect((await view('email:nobody@x.io')).body.code).toBe('CUSTOMER_NOT_FOUND');
    const bad = await api.http.get('/v1/customers/ann/strategy?events=0').set(api.auth('agent'));
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('events');
    const unknown = await api.http.get('/v1/customers/ann/strategy?foo=1').set(api.auth('agent'));
    expect(unknown.status).toBe(400);
    expect((await view('ann', 'integration')).status).toBe(403);
  });
});
