import { loadRuleLanguageCorpus } from '../../../libs/domain/test/conformance-corpus';
import { ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * The whole rule-language conformance corpus, through POST /v1/rules/evaluate: the same cases the
 * in-memory evaluator passes must pass over HTTP, with the same results and error paths.
 */
describe('POST /v1/rules/evaluate (playground)', () => {
  let api: ApiTestApp;
  const catalogState = new Map<string, string>();

  beforeAll(async () => (api = await startApiTestApp()));
  afterAll(() => api.close());

  /** Makes the server's catalog hold the case's extra attributes exactly as the case defines them. */
  async function ensureAttributes(attributes: Array<{ name: string; type: string; enumValues?: string[] }>) {
    for (const a of attributes) {
      const wanted = JSON.stringify(a);
      if (catalogState.get(a.name) === wanted) continue;
      if (catalogState.has(a.name)) await api.http.delete(`/v1/attributes/${a.name}`).set(api.auth('admin')).expect(204);
      await api.http.post('/v1/attributes').set(api.auth('admin')).send(a).expect(201);
      catalogState.set(a.name, wanted);
    }
  }

  for (const file of loadRuleLanguageCorpus()) {
    describe(file.file, () => {
      for (const c of file.cases) {
        it(c.name, async () => {
          await ensureAttributes(c.catalog);
          if (c.kind === 'evaluation') {
            const res = await api.http
              .post('/v1/rules/evaluate')
              .set(api.auth('admin'))
              .send({ rule: c.rule, now: c.now, timezone: c.timezone, customers: c.customers.map(({ id, attributes }) => ({ id, attributes })) });
            expect(res.status).toBe(200);
            expect(res.body.results.map((r: { id: string; matched: boolean }) => [r.id, r.matched])).toEqual(
              c.customers.map((x) => [x.id, x.expected]),
            );
            for (const r of res.body.results) expect(r.explanation).toBeDefined();
          } else {
            const res = await api.http.post('/v1/rules/evaluate').set(api.auth('admin')).send({ rule: c.rule, customers: [] });
            expect(res.status).toBe(400);
            expect(res.body.code).toBe('RULE_INVALID');
            const got = res.body.details.map((d: { field: string; code: string }) => `${d.field} ${d.code}`).sort();
            expect(got).toEqual(c.expectedErrors.map((e) => `${e.path} ${e.code}`).sort());
          }
        });
      }
    });
  }

  describe('the request itself', () => {
    const rule = { attribute: 'country', operator: 'equals', value: 'US' };

    it('answers one result per customer, in input order, with an explanation naming the actual value', async () => {
      const res = await api.http
        .post('/v1/rules/evaluate')
        .set(api.auth('admin'))
        .send({ rule, customers: [{ id: 'b', attributes: { country: ' us ' } }, { id: 'a', attributes: { country: 'GB', unknown_attr: 1 } }] })
        .expect(200);
      expect(res.body.results.map((r: { id: string; matched: boolean }) => [r.id, r.matched])).toEqual([['b', true], ['a', false]]);
      expect(JSON.stringify(res.body.results[1].explanation)).toContain('GB');
    });

    it('refuses an unknown time zone, a malformed now and more than 1,000 customers, naming the field', async () => {
      const tz = await api.http.post('/v1/rules/evaluate').set(api.auth('admin')).send({ rule, timezone: 'Mars/Olympus', customers: [] });
      expect(tz.status).toBe(400);
      expect(tz.body.details[0].field).toBe('timezone');
      for (const now of ['2026-11-23T12:00:00', '2026-02-30T00:00:00Z', 'yesterday']) {
        const bad = await api.http.post('/v1/rules/evaluate').set(api.auth('admin')).send({ rule, now, customers: [] });
        expect(bad.status).toBe(400);
        expect(bad.body.details[0].field).toBe('now');
      }
      const many = Array.from({ length: 1001 }, (_, i) => ({ id: `c${i}`, attributes: {} }));
      const tooMany = await api.http.post('/v1/rules/evaluate').set(api.auth('admin')).send({ rule, customers: many });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.details[0].field).toBe('customers');
    });

    it('reads a customer attribute named like an Object.prototype member, and only when it is sent', async () => {
      await ensureAttributes([{ name: 'constructor', type: 'string' }]);
      const res = await api.http
        .post('/v1/rules/evaluate')
        .set(api.auth('admin'))
        .set('Content-Type', 'application/json')
        // Written out: the keys must reach the server exactly as a client would send them.
        .send('{"rule": {"attribute": "constructor", "operator": "equals", "value": "Bob"}, "customers": [' +
          '{"id": "a", "attributes": {"constructor": " bob "}}, {"id": "b", "attributes": {}}, {"id": "c", "attributes": {"__proto__": {"constructor": "Bob"}}}]}')
        .expect(200);
      expect(res.body.results.map((r: { id: string; matched: boolean }) => [r.id, r.matched])).toEqual([['a', true], ['b', false], ['c', false]]);
    });

    it('refuses a persona whose rule carries a key named like an Object.prototype member', async () => {
      for (const key of ['constructor', '__proto__', 'toString', 'prototype']) {
        const res = await api.http
          .post('/v1/personas')
          .set(api.auth('admin'))
          .set('Content-Type', 'application/json')
          .send(`{"key": "p_${key.replace(/_/g, '').toLowerCase()}", "name": "P", "rule": {"attribute": "email", "operator": "is_set", "${key}": {}}}`);
        expect([key, res.status, res.body.details?.map((d: { field: string; code: string }) => `${d.field} ${d.code}`)]).toEqual([
          key,
          400,
          ['rule.$ UNKNOWN_KEY'],
        ]);
      }
    });

    it('is for admins', async () => {
      await api.http.post('/v1/rules/evaluate').set(api.auth('agent')).send({ rule, customers: [] }).expect(403);
    });
  });
});
