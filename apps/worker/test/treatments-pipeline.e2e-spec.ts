import { ChildProcess } from 'node:child_process';
import { Pool } from 'pg';
import { isHeldOut } from '@corridor/domain';
import { eventually, spawnWorkerProcess, stopProcess } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { newWebhookSecret, startReceiver } from './dispatch-support';

jest.setTimeout(300_000);

/**
 * The whole treatments pipeline, through HTTP only: destination, treatment, touchpoint, customers,
 * personas and a strategy are set up over the admin API; events come in through POST /v1/events;
 * two real worker processes relay, decide and dispatch; a local receiver verifies every signature
 * with `standardwebhooks`. The database is read only to count (one decision per event).
 */
describe('treatments pipeline, end to end', () => {
  let api: ApiTestApp;
  let db: Pool;
  let workers: ChildProcess[] = [];
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = newWebhookSecret();
  const settings = { DESTINATION_ALLOWED_HOSTS: '127.0.0.1', DISPATCH_CONCURRENCY: '4' };
  const admin = () => api.auth('admin');

  // 60 customers: US/GB ones are "buyers" (a cell treats them), the rest fall back (no cell). With
  // ~36 buyers who consent, a 20 % holdout leaves nobody out with a chance of about 1 in 3,000.
  const customers = Array.from({ length: 60 }, (_, i) => ({
    id: `cust-${i}`,
    attributes: { email: `c${i}@shop.test`, first_name: `Name${i}`, country: i % 4 === 3 ? 'FR' : i % 2 ? 'GB' : 'US', email_opt_out: i % 5 === 0 },
  }));
  const corridorIds = new Map<string, string>();
  let salt = '';
  let strategyVersion = 0;

  beforeAll(async () => {
    receiver = await startReceiver(secret);
    api = await startApiTestApp({ env: settings });
    db = new Pool({ connectionString: api.ctx.databaseUrl, max: 2 });
    workers = [spawnWorkerProcess({ ...api.ctx.env, ...settings }), spawnWorkerProcess({ ...api.ctx.env, ...settings })];

    const destination = await api.http.post('/v1/destinations').set(admin()).send({ name: 'Shop hooks', url: receiver.url('/hooks'), secret, timeoutMs: 5000 }).expect(201);
    await api.http
      .post('/v1/touchpoints')
      .set(admin())
      .send({ key: 'checkout', name: 'Checkout', stageKey: 'purchase', channel: 'web', major: true, momentOfTruth: true, eventProperties: [{ name: 'amount', type: 'number' }] })
      .expect(201);
    await api.http
      .post('/v1/customers/import')
      .set(api.auth('integration'))
      .set('Content-Type', 'application/x-ndjson')
      .send(customers.map((c) => JSON.stringify(c)).join('\n'))
      .expect(200);
    await api.http
      .post('/v1/treatments')
      .set(admin())
      .send({
        key: 'thank_you',
        name: 'Thank-you mail',
        type: 'webhook',
        channel: 'email',
        config: {
          destinationId: destination.body.id,
          payloadTemplate: { kind: 'thank_you', to: '{{customer.email}}', greeting: 'Hello {{customer.first_name}}', persona: '{{persona.key}}', touchpoint: '{{touchpoint.key}}', amount: '{{event.amount}}' },
        },
      })
      .expect(201);

    await api.http.post('/v1/personas').set(admin()).send({ key: 'buyers', name: 'Buyers', description: 'US and GB shoppers', rule: { attribute: 'country', operator: 'in', value: ['US', 'GB'] } }).expect(201);
    const started = await api.http.post('/v1/personas/publish').set(admin()).send({ wait: 60 });
    expect([200, 202]).toContain(started.status);
    await eventually(async () => {
      const run = (await api.http.get(`/v1/segmentation/runs/${started.body.run.id}`).set(admin())).body;
      return run.status === 'completed' ? run : null;
    }, 'the persona set to go live', 180_000);

    const draft = await api.http
      .put('/v1/strategy/draft')
      .set(admin())
      .send({
        cells: [{ personaKey: 'buyers', touchpointKey: 'checkout', options: [{ treatmentKey: 'thank_you' }] }],
        policies: { consent: [{ channel: 'email', attribute: 'email_opt_out' }], holdoutPercent: 20, defaultTimeZone: 'UTC' },
      })
      .expect(200);
    salt = draft.body.policies.holdoutSalt;
    const published = await api.http.post('/v1/strategy/publish').set(admin()).send({}).expect(201);
    strategyVersion = published.body.version;

    for (const c of customers) {
      const view = await api.http.get(`/v1/customers/${encodeURIComponent(`import:${c.id}`)}`).set(api.auth('agent')).expect(200);
      corridorIds.set(c.id, String(view.body.customer.id));
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await db?.end();
    await api?.close();
    await receiver?.close();
  });

  const expected = (c: (typeof customers)[number]) => {
    if (c.attributes.country === 'FR') return 'no_treatment';
    if (c.attributes.email_opt_out) return 'suppressed';
    return isHeldOut(20, salt, corridorIds.get(c.id)!) ? 'held_out' : 'treated';
  };

  it('decides each accepted event once, sends one signed webhook per treated customer, suppresses and holds out the others with their reasons', async () => {
    const events = customers.map((c, i) => ({ touchpoint: 'checkout', customer: `import:${c.id}`, properties: { amount: 10 + i }, idempotencyKey: `order-${i}` }));
    // A repeated key inside the batch, and an unknown customer: reported per event, the rest stored.
    const batch = [...events, { ...events[0], properties: { amount: 999 } }, { touchpoint: 'checkout', customer: 'email:nobody@shop.test', idempotencyKey: 'order-x' }];
    const res = await api.http.post('/v1/events').set(api.auth('integration')).send({ events: batch }).expect(202);
    expect(res.body).toMatchObject({ accepted: customers.length, duplicate: 1, rejected: 1 });
    expect(res.body.results[customers.length]).toMatchObject({ status: 'duplicate', eventId: res.body.results[0].eventId });
    expect(res.body.results[customers.length + 1]).toMatchObject({ status: 'rejected', code: 'CUSTOMER_NOT_FOUND', field: `events[${customers.length + 1}].customer` });
    // The same batch again: every event a duplicate, nothing new.
    const again = await api.http.post('/v1/events').set(api.auth('integration')).send({ events }).expect(202);
    expect(again.body).toMatchObject({ accepted: 0, duplicate: customers.length });

    const eventIds = res.body.results.slice(0, customers.length).map((r: { eventId: string }) => String(r.eventId));
    const treated = customers.filter((c) => expected(c) === 'treated');
    expect(treated.length).toBeGreaterThan(0);
    expect(customers.filter((c) => expected(c) === 'suppressed').length).toBeGreaterThan(0);
    expect(customers.filter((c) => expected(c) === 'held_out').length).toBeGreaterThan(0);

    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM decisions WHERE event_id = ANY($1::bigint[])`, [eventIds]);
      return rows[0].n === customers.length;
    }, 'a decision for every accepted event', 180_000);
    await eventually(async () => receiver.at('/hooks').length >= treated.length && true, 'the webhooks', 180_000);
    // Let any stray second delivery arrive before counting.
    await new Promise((r) => setTimeout(r, 2000));

    const { rows: perEvent } = await db.query(`SELECT event_id::text, count(*)::int AS n FROM decisions WHERE event_id = ANY($1::bigint[]) GROUP BY event_id`, [eventIds]);
    expect(perEvent.every((r) => r.n === 1)).toBe(true);
    expect(perEvent).toHaveLength(customers.length);

    const seen = receiver.at('/hooks');
    expect(seen.every((r) => r.verified)).toBe(true);
    expect(seen).toHaveLength(treated.length);
    expect(new Set(seen.map((r) => r.webhookId)).size).toBe(treated.length);
    const bodies = seen.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.to).sort()).toEqual(treated.map((c) => c.attributes.email).sort());
    const i0 = customers.indexOf(treated[0]);
    expect(bodies.find((b) => b.to === treated[0].attributes.email)).toEqual({
      kind: 'thank_you',
      to: treated[0].attributes.email,
      greeting: `Hello ${treated[0].attributes.first_name}`,
      persona: 'buyers',
      touchpoint: 'checkout',
      amount: 10 + i0,
    });

    // Each customer's outcome and why, as the agent view tells it.
    for (const c of customers) {
      const view = await api.http.get(`/v1/customers/${encodeURIComponent(`import:${c.id}`)}/strategy`).set(api.auth('agent')).expect(200);
      const event = view.body.recentEvents.find((e: { touchpointKey: string }) => e.touchpointKey === 'checkout');
      expect(event).toBeDefined();
      expect(event.decisions).toHaveLength(1);
      const decision = event.decisions[0];
      const codes = decision.reasons.map((r: { code: string }) => r.code);
      const want = expected(c);
      expect([c.id, decision.outcome]).toEqual([c.id, want]);
      if (want === 'no_treatment') expect(codes).toContain('NO_CELL');
      else expect(decision).toMatchObject({ personaKey: 'buyers', strategyVersion, treatmentKey: 'thank_you' });
      if (want === 'suppressed') {
        expect(decision.reasons).toContainEqual(expect.objectContaining({ code: 'CONSENT_REFUSED', details: expect.objectContaining({ attribute: 'email_opt_out' }) }));
        expect(receiver.at('/hooks').some((r) => JSON.parse(r.body).to === c.attributes.email)).toBe(false);
      }
      if (want === 'held_out') expect(codes).toContain('HOLDOUT');
      if (want === 'treated') {
        expect(decision.deliveries).toHaveLength(1);
        expect(decision.deliveries[0]).toMatchObject({ status: 'delivered', treatmentKey: 'thank_you', channel: 'email' });
      } else {
        expect(decision.deliveries).toEqual([]);
      }
    }
  });
});
