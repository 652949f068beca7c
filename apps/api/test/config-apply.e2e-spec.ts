import { failOnBusyClientQueries } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/**
 * POST /v1/config/apply: personas, journey and strategy applied in ONE Postgres transaction after
 * an optimistic check of the versions the document was diffed against (GET /v1/config). Real
 * Postgres throughout: a failure anywhere leaves nothing half-applied, a change in between is a
 * 409, and what was applied reads back identical.
 */
describe('configuration as code: one transaction (GET /v1/config, POST /v1/config/apply)', () => {
  let api: ApiTestApp;
  const admin = () => api.auth('admin');
  const read = async () => (await api.http.get('/v1/config').set(admin()).expect(200)).body;
  // Reading and applying run in one transaction: one connection, one query at a time.
  failOnBusyClientQueries();

  const personas = [
    { key: 'big_spender', name: 'Big spender', description: 'Lots of revenue', enabled: true, rule: { all: [{ attribute: 'total_revenue', operator: 'gte', value: 50000 }] } },
    { key: 'small_spender', name: 'Small spender', description: '', enabled: true, rule: { all: [{ attribute: 'total_revenue', operator: 'lt', value: 50000 }] } },
  ];
  const touchpoint = { key: 'renewal_due', name: 'Renewal due', stageKey: 'loyalty', channel: 'email', major: true, momentOfTruth: true, owner: '', description: '', eventProperties: [] };
  const cells = [{ personaKey: 'big_spender', touchpointKey: 'renewal_due', options: [{ treatmentKey: 'thank_you' }] }];

  beforeAll(async () => {
    api = await startApiTestApp();
    const res = await api.http.post('/v1/attributes').set(admin()).send({ name: 'total_revenue', type: 'number' });
    if (res.status !== 201 && res.status !== 409) throw new Error(`attribute: ${res.status} ${JSON.stringify(res.body)}`);
    for (const key of ['thank_you', 'renewal_offer']) await api.http.post('/v1/treatments').set(admin()).send({ key, name: key, type: 'no_action', channel: 'other', config: {} }).expect(201);
  }, 180_000);
  afterAll(async () => {
    await api?.close();
  });

  it('applies personas, journey and strategy together and reads back exactly what was applied', async () => {
    const before = await read();
    const journey = { stages: before.journey.stages, touchpoints: [touchpoint] };
    const res = await api.http
      .post('/v1/config/apply')
      .set(admin())
      .send({ expectedVersions: before.versions, personas, journey, strategy: { cells, policies: { holdoutPercent: 10 } } })
      .expect(200);
    expect(res.body).toMatchObject({ applied: true, changes: { personas: 2, journey: 1, strategy: 1 }, strategy: { version: 1 }, personas: { setVersion: expect.any(Number) } });
    const after = await read();
    expect(after.personas).toEqual(personas);
    expect(after.journey).toEqual(journey);
    expect(after.strategy.cells).toEqual(cells);
    expect(after.strategy.policies.holdoutPercent).toBe(10);
    expect(after.versions).toEqual(res.body.versions);
    expect(after.live.strategyVersion).toBe(1);
    // The published version froze the touchpoint added in the same transaction.
    const v1 = await api.http.get('/v1/strategy/versions/1').set(admin()).expect(200);
    expect(v1.body.touchpoints.map((t: { key: string }) => t.key)).toContain('renewal_due');

    // Applying what is live again changes nothing and publishes nothing.
    const again = await api.http.post('/v1/config/apply').set(admin()).send({ expectedVersions: after.versions, personas: after.personas, journey: after.journey, strategy: after.strategy }).expect(200);
    expect(again.body).toMatchObject({ applied: false, changes: { personas: 0, journey: 0, strategy: 0 }, personas: null, strategy: null });
    expect(await read()).toEqual(after);
  });

  it('leaves nothing half-applied when the strategy names a persona the same document removes', async () => {
    const before = await read();
    const res = await api.http
      .post('/v1/config/apply')
      .set(admin())
      .send({
        expectedVersions: before.versions,
        // Renames one persona, removes the other, adds a touchpoint: all written before the strategy is checked.
        personas: [{ ...personas[1], name: 'Renamed' }],
        journey: { stages: before.journey.stages, touchpoints: [...before.journey.touchpoints, { ...touchpoint, key: 'onboarding_call', stageKey: 'onboarding' }] },
        strategy: { cells },
      })
      .expect(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field: expect.stringMatching(/^strategy\.cells\[0\]/) }));
    expect(await read()).toEqual(before);
    const versions = await api.http.get('/v1/personas/small_spender/versions').set(admin()).expect(200);
    expect(versions.body.versions).toHaveLength(1);
  });

  it('leaves nothing half-applied when an item late in the document is invalid', async () => {
    const before = await read();
    const res = await api.http
      .post('/v1/config/apply')
      .set(admin())
      .send({
        expectedVersions: before.versions,
        personas: [{ ...personas[0], name: 'Changed first' }, personas[1]],
        journey: { stages: before.journey.stages, touchpoints: [touchpoint, { ...touchpoint, key: 'late_one', stageKey: 'no_such_stage' }] },
      })
      .expect(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'journey.touchpoints[1].stageKey', code: 'UNKNOWN_STAGE' }));
    expect(await read()).toEqual(before);
    // A bad rule late in the list is named at its path, and the earlier persona is not written either.
    const rule = await api.http
      .post('/v1/config/apply')
      .set(admin())
      .send({ expectedVersions: before.versions, personas: [{ ...personas[0], name: 'Changed first' }, { ...personas[1], rule: { all: [{ attribute: 'total_revenue', operator: 'sounds_like', value: 1 }] } }] })
      .expect(400);
    expect(rule.body.details[0].field).toMatch(/^personas\[1\]\.rule/);
    expect(await read()).toEqual(before);
  });

  it('refuses (409 CONFIG_STALE) when the live version moved between the diff and the apply, writing nothing', async () => {
    const diffed = await read();
    // Someone edits a persona in the console meanwhile.
    await api.http.patch('/v1/personas/small_spender').set(admin()).send({ description: 'edited in the console' }).expect(200);
    const res = await api.http
      .post('/v1/config/apply')
      .set(admin())
      .send({ expectedVersions: { personas: diffed.versions.personas }, personas: [{ ...personas[0], name: 'Mine' }, personas[1]] })
      .expect(409);
    expect(res.body).toMatchObject({ code: 'CONFIG_STALE', details: [expect.objectContaining({ field: 'expectedVersions.personas', code: 'CONFIG_STALE' })] });
    const now = await read();
    expect(now.personas[0].name).toBe('Big spender');
    expect(now.personas[1].description).toBe('edited in the console');
    // The strategy did not move: a document of the strategy alone diffed earlier still applies.
    expect(now.versions.strategy).toBe(diffed.versions.strategy);
  });

  it('lets exactly one of two concurrent applies of the same version through', async () => {
    const diffed = await read();
    const send = (holdoutPercent: number) =>
      api.http.post('/v1/config/apply').set(admin()).send({ expectedVersions: { strategy: diffed.versions.strategy }, strategy: { cells, policies: { holdoutPercent } } });
    const results = await Promise.all([send(20), send(30)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results.find((r) => r.status === 200)!;
    const now = await read();
    expect(now.strategy.policies.holdoutPercent).toBe(results[0] === winner ? 20 : 30);
    expect(now.live.strategyVersion).toBe(diffed.live.strategyVersion + 1);
  });

  it('dry run checks the whole apply in the transaction and rolls it back', async () => {
    const before = await read();
    const res = await api.http
      .post('/v1/config/apply')
      .set(admin())
      .send({ expectedVersions: before.versions, dryRun: true, personas: [...before.personas, { ...personas[0], key: 'new_one', name: 'New one' }], strategy: { cells: [] } })
      .expect(200);
    expect(res.body).toMatchObject({ applied: false, changes: { personas: 1, strategy: 1 }, personas: null, strategy: null });
    expect(await read()).toEqual(before);
  });

  it('needs the expected version of every kind given, and the admin role', async () => {
    const res = await api.http.post('/v1/config/apply').set(admin()).send({ expectedVersions: {}, personas }).expect(400);
    expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'expectedVersions.personas', code: 'VERSION_REQUIRED' }));
    const bad = await api.http.post('/v1/config/apply').set(admin()).send({ expectedVersions: {}, personas: [{ key: 'Bad Key', name: 'x', rule: {} }] }).expect(400);
    expect(bad.body.details[0].field).toMatch(/^personas\.0\.key|^personas\[0\]\.key/);
    await api.http.get('/v1/config').set(api.auth('agent')).expect(403);
    await api.http.post('/v1/config/apply').set(api.auth('agent')).send({ expectedVersions: {} }).expect(403);
  });
});
