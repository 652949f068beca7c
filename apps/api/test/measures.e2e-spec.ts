import { Client } from 'pg';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(60_000);

/**
 * The measures routes over HTTP on counters the triggers kept as rows were written: cell
 * statistics with the lift and its interval against a hand-computed case, the too-few case,
 * the period, filters and validation, targets (admin CRUD) and the gap report.
 */
describe('measures (e2e)', () => {
  let api: ApiTestApp;
  let db: Client;

  /** `n` decisions in a cell on a day (events first), `converted` of them with a conversion; returns their ids. */
  async function decisions(cell: { persona: string | null; touchpoint: string; day: string; outcome: string }, n: number, converted: number, reasons = '[]'): Promise<string[]> {
    const { rows } = await db.query(
      `WITH e AS (INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at)
                  SELECT 'api', md5(random()::text), $2, g, $3::date FROM generate_series(1, $1::int) g RETURNING id, customer_id, touchpoint_key, received_at)
       INSERT INTO decisions (event_id, touchpoint_key, customer_id, persona_key, outcome, reasons, decided_at, event_received_at)
       SELECT id, touchpoint_key, customer_id, $4, $5, $6::jsonb, $3::date + interval '12 hours', received_at FROM e RETURNING id::text`,
      [n, cell.touchpoint, cell.day, cell.persona, cell.outcome, reasons],
    );
    const ids = rows.map((r) => r.id as string);
    await db.query(
      `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, touchpoint_key, value, occurred_at)
       SELECT 'api', 'conv-' || d.id, 'converted', d.customer_id, d.event_id, d.id, d.touchpoint_key, 20, d.decided_at FROM decisions d WHERE d.id = ANY($1::bigint[])`,
      [ids.slice(0, converted)],
    );
    return ids;
  }

  async function feedback(decisionIds: string[], csat: number[]): Promise<void> {
    await db.query(
      `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, touchpoint_key, csat, nps, occurred_at)
       SELECT 'api', 'fb-' || d.id, 'feedback', d.customer_id, d.event_id, d.id, d.touchpoint_key, s.csat, 10 - s.i, now()
         FROM unnest($1::bigint[], $2::int[]) WITH ORDINALITY AS s(id, csat, i) JOIN decisions d ON d.id = s.id`,
      [decisionIds.slice(0, csat.length), csat],
    );
  }

  beforeAll(async () => {
    api = await startApiTestApp();
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    await db.query(`INSERT INTO personas (key, name) VALUES ('vip', 'VIP'), ('bargain', 'Bargain hunters')`);
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('checkout', 'Checkout', 'purchase', 'email', 1), ('signup', 'Signup', 'awareness', 'email', 1)`);

    // vip × checkout on 2026-03-10: 70 treated (56 converted), 80 held out (48 converted): Newcombe's example.
    const treated = await decisions({ persona: 'vip', touchpoint: 'checkout', day: '2026-03-10', outcome: 'treated' }, 70, 56);
    await decisions({ persona: 'vip', touchpoint: 'checkout', day: '2026-03-10', outcome: 'held_out' }, 80, 48);
    // A second conversion of a converted decision: one more conversion, not one more converted decision.
    await db.query(
      `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, touchpoint_key, value, occurred_at)
       SELECT 'api', 'again', 'converted', customer_id, event_id, id, touchpoint_key, 5, now() FROM decisions WHERE id = $1`,
      [treated[0]],
    );
    await feedback(treated, [4, 4, 3, 5, 3, 4, 4, 3, 4, 4]); // CSAT average 3.8
    await decisions({ persona: 'vip', touchpoint: 'checkout', day: '2026-03-11', outcome: 'suppressed', }, 4, 0, '[{"code": "OPTION_MATCHED", "message": "x"}, {"code": "FREQUENCY_CAP", "message": "cap"}]');
    // bargain × signup: too few to measure; one outside the period.
    const small = await decisions({ persona: 'bargain', touchpoint: 'signup', day: '2026-03-12', outcome: 'treated' }, 40, 10);
    await decisions({ persona: 'bargain', touchpoint: 'signup', day: '2026-03-12', outcome: 'held_out' }, 12, 1);
    await feedback(small, [5, 4, 5, 4, 5]); // 4.6
    await decisions({ persona: 'bargain', touchpoint: 'signup', day: '2026-05-01', outcome: 'held_out' }, 30, 0);
    await decisions({ persona: null, touchpoint: 'signup', day: '2026-03-12', outcome: 'no_treatment' }, 3, 0, '[{"code": "NO_PERSONA", "message": "none"}]');
  });
  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('gives every cell its figures, and the lift with the hand-computed Newcombe interval', async () => {
    const res = await api.http.get('/v1/measures/cells?from=2026-03-01&to=2026-03-31').set(api.auth('agent'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-03-01', to: '2026-03-31', minimumSample: 30 });
    expect(res.body.cells.map((c: any) => [c.personaKey, c.touchpointKey])).toEqual([[null, 'signup'], ['bargain', 'signup'], ['vip', 'checkout']]);
    const vip = res.body.cells[2];
    expect(vip).toMatchObject({
      events: 154, decisions: 154, treated: 70, heldOut: 80, suppressed: 4, suppressedBy: { FREQUENCY_CAP: 4 }, held: 0, noTreatment: 0,
      conversions: { count: 105, value: 56 * 20 + 48 * 20 + 5 },
      feedback: { csat: { count: 10 }, nps: { count: 10, promoters: 1, detractors: 7 } },
      lift: { treated: { n: 70, converted: 56, rate: 0.8 }, holdout: { n: 80, converted: 48, rate: 0.6 }, confidence: 0.95, method: 'newcombe-hybrid-score' },
    });
    expect(vip.feedback.csat.average).toBeCloseTo(3.8, 10);
    expect(vip.feedback.nps.score).toBeCloseTo(-60, 10); // answers 9, 8, …, 0: one promoter, seven detractors
    // p1 = 56/70 = 0.8, Wilson (0.6918, 0.8770); p2 = 48/80 = 0.6, Wilson (0.4905, 0.7004);
    // lower = 0.2 − √((0.8 − 0.6918)² + (0.7004 − 0.6)²) = 0.0524; upper = 0.2 + √((0.8770 − 0.8)² + (0.6 − 0.4905)²) = 0.3339.
    expect(vip.lift.difference).toBeCloseTo(0.2, 10);
    expect(vip.lift.interval.lower).toBeCloseTo(0.0524, 4);
    expect(vip.lift.interval.upper).toBeCloseTo(0.3339, 4);
  });

  it('says "insufficient" instead of a number when a group is too small', async () => {
    const res = await api.http.get('/v1/measures/cells?from=2026-03-01&to=2026-03-31&persona=bargain&touchpoint=signup').set(api.auth('admin'));
    expect(res.status).toBe(200);
    expect(res.body.cells).toHaveLength(1);
    expect(res.body.cells[0].lift).toEqual({
      treated: { n: 40, converted: 10 },
      holdout: { n: 12, converted: 1 },
      insufficient: { reason: 'Too few decisions to measure lift: holdout 12 (at least 30 in each group)', minimum: 30 },
    });
    // The period decides: with May the holdout has 42 and the lift is a number.
    const wider = await api.http.get('/v1/measures/cells?from=2026-03-01&to=2026-05-31&persona=bargain').set(api.auth('agent'));
    expect(wider.body.cells[0].lift).toMatchObject({ holdout: { n: 42, converted: 1 }, method: 'newcombe-hybrid-score' });
  });

  it('validates the query with errors naming the field, and admits agent and admin only', async () => {
    const cases: Array<[string, string]> = [
      ['from=2026-03-01', 'to'],
      ['from=2026-02-30&to=2026-03-01', 'from'],
      ['from=2026-03-10&to=2026-03-01', 'to'],
      ['from=2025-01-01&to=2026-03-01', 'to'],
      ['from=2026-03-01&to=2026-03-02&persona=Not-A-Key', 'persona'],
      ['from=2026-03-01&to=2026-03-02&touchpoint=%20', 'touchpoint'],
    ];
    for (const [query, field] of cases) {
      const res = await api.http.get(`/v1/measures/cells?${query}`).set(api.auth('agent'));
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.details.map((d: any) => d.field)).toContain(field);
    }
    expect((await api.http.get('/v1/measures/cells?from=2026-03-01&to=2026-03-02').set(api.auth('integration'))).status).toBe(403);
    expect((await api.http.get('/v1/measures/cells?from=2026-03-01&to=2026-03-02')).status).toBe(401);
  });

  it('keeps targets per cell (admin) and reports target, measured and gap, worst first', async () => {
    expect((await api.http.put('/v1/measures/targets/vip/checkout').set(api.auth('agent')).send({ target: 4.5 })).status).toBe(403);
    const put = await api.http.put('/v1/measures/targets/vip/checkout').set(api.auth('admin')).send({ target: 4.5, note: 'Checkout must feel effortless' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ personaKey: 'vip', touchpointKey: 'checkout', measure: 'csat', target: 4.5, note: 'Checkout must feel effortless' });
    await api.http.put('/v1/measures/targets/bargain/signup').set(api.auth('admin')).send({ target: 4 }).expect(200);
    await api.http.put('/v1/measures/targets/bargain/checkout').set(api.auth('admin')).send({ target: 3 }).expect(200);
    // Replacing keeps one target per cell.
    await api.http.put('/v1/measures/targets/vip/checkout').set(api.auth('admin')).send({ target: 4.4 }).expect(200);

    const bad = await api.http.put('/v1/measures/targets/vip/checkout').set(api.auth('admin')).send({ target: 6 });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('target');
    const unknown = await api.http.put('/v1/measures/targets/nobody/checkout').set(api.auth('admin')).send({ target: 4 });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'CELL_NOT_FOUND', details: [{ field: 'personaKey' }] });

    const list = await api.http.get('/v1/measures/targets').set(api.auth('agent'));
    expect(list.body.items.map((t: any) => [t.personaKey, t.touchpointKey, t.target])).toEqual([['bargain', 'checkout', 3], ['bargain', 'signup', 4], ['vip', 'checkout', 4.4]]);

    const report = await api.http.get('/v1/measures/targets/report?from=2026-03-01&to=2026-03-31').set(api.auth('agent'));
    expect(report.status).toBe(200);
    expect(report.body.items.map((g: any) => [g.personaKey, g.touchpointKey, g.target, g.measured === null ? null : Number(g.measured.toFixed(3)), g.responses, g.gap === null ? null : Number(g.gap.toFixed(3))])).toEqual([
      ['vip', 'checkout', 4.4, 3.8, 10, -0.6],
      ['bargain', 'signup', 4, 4.6, 5, 0.6],
      ['bargain', 'checkout', 3, null, 0, null],
    ]);

    await api.http.delete('/v1/measures/targets/bargain/checkout').set(api.auth('admin')).expect(204);
    const again = await api.http.delete('/v1/measures/targets/bargain/checkout').set(api.auth('admin'));
    expect({ status: again.status, body: again.body }).toMatchObject({ status: 404, body: { code: 'TARGET_NOT_FOUND' } });
    expect((await api.http.get('/v1/measures/targets?persona=bargain').set(api.auth('agent'))).body.items).toHaveLength(1);
  });
});
