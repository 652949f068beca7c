/**
 * Bad input that used to crash a route (issue 6, items 8–14), each through the real HTTP API:
 * deep nesting, text Postgres cannot store, bad path/query parameters and nulls, wrong content
 * types, `settings: []`, huge error lists, oversized URLs and headers.
 */
import http from 'node:http';
import net from 'node:net';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(60_000);

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A request exactly as written: supertest would choose a content type for us. */
function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(`${url}${path}`, { method, headers: { ...headers, ...length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Bytes straight onto a socket: for requests Node's parser refuses before any handler runs. */
function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

const CONDITION = { attribute: 'plan', operator: 'equals', value: 'pro' };

describe('bad input is refused with a 4xx naming the field, never a 500', () => {
  let api: ApiTestApp;
  let admin: Record<string, string>;
  let json: Record<string, string>;
  let connectionId: string;

  beforeAll(async () => {
    api = await startApiTestApp();
    admin = api.auth('admin');
    json = { ...admin, 'content-type': 'application/json' };
    expect((await api.http.post('/v1/attributes').set(admin).send({ name: 'plan', type: 'enum', enumValues: ['free', 'pro'] })).status).toBe(201);
    expect((await api.http.post('/v1/personas').set(admin).send({ key: 'vip', name: 'VIP', description: 'Big spenders', rule: CONDITION })).status).toBe(201);
    const connection = await api.http
      .post('/v1/connections')
      .set(admin)
      .send({ kind: 'hubspot', name: 'HubSpot', accessToken: 'pat-token-1234', basePath: 'http://127.0.0.1:1', settings: { syncIntervalSeconds: 0, searchLagMs: 1000 } });
    expect(connection.status).toBe(201);
    connectionId = connection.body.id;
  });
  afterAll(() => api?.close());

  describe('deep nesting (item 8)', () => {
    const notNot = (levels: number) => `${'{"not":'.repeat(levels)}${JSON.stringify(CONDITION)}${'}'.repeat(levels)}`;

    it('refuses a body nested thousands deep with 400 BODY_TOO_DEEP naming where, on every JSON route', async () => {
      const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      for (const [method, path] of [
        ['POST', '/v1/attributes'],
        ['PATCH', '/v1/attributes/plan'],
        ['POST', '/v1/personas'],
        ['PUT', '/v1/personas/order'],
        ['POST', '/v1/connections'],
        ['POST', '/v1/rules/evaluate'],
      ]) {
        const res = await send(api.url, method, path, json, deep);
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'BODY_TOO_DEEP']);
        expect(res.body.details).toEqual([{ field: Array(64).fill('a').join('.'), message: 'is nested more than 64 levels deep', code: 'TOO_DEEP' }]);
      }
    });

    it('keeps the rule language depth error for a rule a little too deep, and refuses a very deep one by body depth', async () => {
      const slightly = await send(api.url, 'POST', '/v1/personas', json, `{"key":"deep","name":"Deep","rule":${notNot(12)}}`);
      expect(slightly.status).toBe(400);
      expect(slightly.body.details).toEqual([expect.objectContaining({ field: 'rule.$' + '.not'.repeat(10), code: 'TOO_DEEP' })]);

      for (const [path, body] of [
        ['/v1/personas', `{"key":"deep","name":"Deep","rule":${notNot(3000)}}`],
        ['/v1/personas/validate', `{"rule":${notNot(3000)}}`],
      ]) {
        const res = await send(api.url, 'POST', path, json, body);
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'BODY_TOO_DEEP']);
        expect(res.body.details[0].field).toMatch(/^rule(\.not)+$/);
      }
      expect((await api.http.get('/v1/personas/deep').set(admin)).status).toBe(404);
    });
  });

  describe('text that cannot be stored (item 9)', () => {
    it('refuses NUL in names, labels and descriptions with 400 naming the field', async () => {
      const cases: Array<[string, string, object, string]> = [
        ['POST', '/v1/personas', { key: 'nul', name: 'a\u0000b', rule: CONDITION }, 'name'],
        ['PATCH', '/v1/personas/vip', { description: 'x\u0000' }, 'description'],
        ['POST', '/v1/attributes', { name: 'tier', type: 'string', label: 'T\u0000' }, 'label'],
        ['PATCH', '/v1/attributes/plan', { description: '\u0000' }, 'description'],
        ['PATCH', `/v1/connections/${connectionId}`, { name: 'H\u0000' }, 'name'],
        ['POST', '/v1/api-keys', { role: 'agent', name: 'k\u0000' }, 'name'],
      ];
      for (const [method, path, body, field] of cases) {
        const res = await send(api.url, method, path, json, JSON.stringify(body));
        expect([path, res.status, res.body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
        expect(res.body.details).toEqual([{ field, message: expect.stringContaining('NUL'), code: 'NUL_CHARACTER' }]);
      }
      const persona = await api.http.get('/v1/personas/vip').set(admin);
      expect(persona.body.description).toBe('Big spenders');
    });

    it('refuses NUL and lone surrogates in rule values on create, and validate says the same', async () => {
      for (const [bad, code] of [
        ['\\u0000', 'NUL_CHARACTER'],
        ['\\ud800', 'LONE_SURROGATE'],
      ]) {
        const rule = `{"all":[{"attribute":"plan","operator":"in","value":["pro","fr${bad}ee"]}]}`;
        const created = await send(api.url, 'POST', '/v1/personas', json, `{"key":"odd","name":"Odd","rule":${rule}}`);
        expect([bad, created.status]).toEqual([bad, 400]);
        expect(created.body.details).toEqual([expect.objectContaining({ field: 'rule.all[0].value[1]', code })]);
        const validated = await send(api.url, 'POST', '/v1/personas/validate', json, `{"rule":${rule}}`);
        expect([bad, validated.status]).toEqual([bad, 400]);
        expect(validated.body.details).toEqual(created.body.details);
      }
      // Not stored.
      expect((await api.http.get('/v1/personas/odd').set(admin)).status).toBe(404);
    });

    it('refuses a NUL in a key of the body, naming it', async () => {
      const res = await send(api.url, 'PATCH', `/v1/connections/${connectionId}`, json, '{"settings":{"fieldMapping":{"a\\u0000":"plan"}}}');
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'settings.fieldMapping["a\\u0000"]', code: 'NUL_CHARACTER' })]);
    });

    it('refuses NUL in query parameters (?email=) and path parameters (%00), naming them', async () => {
      const email = await api.http.get('/v1/customers?email=a%00b@x.io').set(admin);
      expect(email.status).toBe(400);
      expect(email.body.details).toEqual([expect.objectContaining({ field: 'email', code: 'NUL_CHARACTER' })]);

      for (const [method, path, field] of [
        ['GET', '/v1/personas/vip%00', 'key'],
        ['PATCH', '/v1/personas/%00', 'key'],
        ['GET', '/v1/attributes/pl%00an', 'name'],
        ['DELETE', '/v1/attributes/%00', 'name'],
        ['GET', '/v1/customers/1%00', 'ref'],
        ['GET', '/v1/segmentation/runs/%00', 'id'],
        ['POST', '/v1/webhooks/hubspot/%00', 'connectionId'],
      ]) {
        const res = await send(api.url, method, path, json, method === 'GET' || method === 'DELETE' ? undefined : '{}');
        expect([path, res.status]).toEqual([path, 400]);
        expect(res.body.details).toEqual([expect.objectContaining({ field, code: 'NUL_CHARACTER' })]);
      }
    });

    it('still answers 401 first to a caller without a key', async () => {
      const res = await send(api.url, 'POST', '/v1/personas', { 'content-type': 'application/json' }, '{"name":"\\u0000"}');
      expect(res.status).toBe(401);
    });
  });

  describe('parameters and nulls (item 10)', () => {
    it('refuses fractional, malformed and repeated query parameters with 400 naming them', async () => {
      const cases: Array<[string, string]> = [
        ['/v1/segmentation/runs?limit=2.5', 'limit'],
        ['/v1/segmentation/runs?limit=abc', 'limit'],
        ['/v1/segmentation/runs?limit=0', 'limit'],
        ['/v1/customers?crmId=c-1&connectionId=garbage', 'connectionId'],
        ['/v1/customers?email=a@x.io&email=b@x.io', 'email'],
        ['/v1/personas/vip/customers?limit=2.5', 'limit'],
      ];
      for (const [path, field] of cases) {
        const res = await api.http.get(path).set(admin);
        expect([path, res.status]).toEqual([path, 400]);
        expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
      expect((await api.http.get('/v1/segmentation/runs?limit=5').set(admin)).status).toBe(200);
      expect((await api.http.get(`/v1/customers?crmId=c-1&connectionId=${connectionId}`).set(admin)).status).toBe(200);
    });

    it('refuses null on optional PATCH fields that cannot be empty, naming them', async () => {
      const cases: Array<[string, object, string]> = [
        ['/v1/personas/vip', { name: null }, 'name'],
        ['/v1/personas/vip', { enabled: null }, 'enabled'],
        ['/v1/attributes/plan', { enumValues: null }, 'enumValues'],
        [`/v1/connections/${connectionId}`, { name: null }, 'name'],
        [`/v1/connections/${connectionId}`, { accessToken: null }, 'accessToken'],
        [`/v1/connections/${connectionId}`, { settings: null }, 'settings'],
      ];
      for (const [path, body, field] of cases) {
        const res = await api.http.patch(path).set(admin).send(body);
        expect([path, field, res.status]).toEqual([path, field, 400]);
        expect(res.body.details).toContainEqual({ field, message: `${field} may be left out, but not null`, code: 'isDefined' });
        expect(res.body.details.every((d: { field: string }) => d.field === field)).toBe(true);
      }
    });

    it('lets null clear a description (persona and attribute) and an attribute label', async () => {
      const persona = await api.http.patch('/v1/personas/vip').set(admin).send({ description: null });
      expect(persona.status).toBe(200);
      expect(persona.body.description).toBe('');
      expect((await api.http.patch('/v1/attributes/plan').set(admin).send({ label: 'Plan', description: 'Billing plan' })).status).toBe(200);
      const attribute = await api.http.patch('/v1/attributes/plan').set(admin).send({ label: null, description: null });
      expect(attribute.status).toBe(200);
      expect(attribute.body).toMatchObject({ label: null, description: null });
    });
  });

  describe('content types (item 11)', () => {
    it('refuses a JSON route body sent as text/plain, form-encoded or without a content type with 415, changing nothing', async () => {
      for (const headers of [
        { ...admin, 'content-type': 'text/plain' },
        { ...admin, 'content-type': 'application/x-www-form-urlencoded' },
        admin,
      ]) {
        const body = headers['content-type'] === 'application/x-www-form-urlencoded' ? 'name=Renamed' : '{"name":"Renamed"}';
        const res = await send(api.url, 'PATCH', '/v1/personas/vip', headers, body);
        expect(res.status).toBe(415);
        expect(res.body).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('application/json'), details: [expect.objectContaining({ field: 'content-type' })] });
      }
      expect((await api.http.get('/v1/personas/vip').set(admin)).body.name).toBe('VIP');
    });

    it('does not publish when the publish body has the wrong type, and does with no body at all', async () => {
      const sets = async () => (await api.http.get('/v1/segmentation/sets').set(admin)).body.sets.length as number;
      const before = await sets();
      const wrong = await send(api.url, 'POST', '/v1/personas/publish', { ...admin, 'content-type': 'text/plain' }, '{"wait":0}');
      expect(wrong.status).toBe(415);
      expect(await sets()).toBe(before);
      const empty = await send(api.url, 'POST', '/v1/personas/publish', admin);
      expect(empty.status).toBe(202);
      expect(await sets()).toBe(before + 1);
    });

    it('keeps the import on its own media types', async () => {
      const res = await send(api.url, 'POST', '/v1/customers/import', { ...api.auth('integration'), 'content-type': 'application/x-ndjson' }, '{"id":"c-1","plan":"pro"}\n');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ received: 1, created: 1 });
    });
  });

  describe('connection settings (item 12)', () => {
    it('refuses settings: [] (and lists for its nested objects) instead of resetting the settings', async () => {
      for (const settings of [[], { rateLimit: [] }, { writeback: [] }]) {
        const res = await api.http.patch(`/v1/connections/${connectionId}`).set(admin).send({ settings });
        expect(res.status).toBe(400);
        expect(res.body.details[0].field).toMatch(/^settings/);
      }
      const created = await api.http.post('/v1/connections').set(admin).send({ kind: 'hubspot', name: 'x', accessToken: 'pat-token-1234', settings: [] });
      expect(created.status).toBe(400);
      const stored = await api.http.get(`/v1/connections/${connectionId}`).set(admin);
      expect(stored.body.settings).toMatchObject({ syncIntervalSeconds: 0, searchLagMs: 1000 });
    });
  });

  describe('huge error lists (item 13)', () => {
    it('lists at most 100 details for a 100,000-item body and says how many were left out', async () => {
      const res = await api.http
        .post('/v1/rules/evaluate')
        .set(admin)
        .send({ rule: CONDITION, customers: Array.from({ length: 100_000 }, () => ({})) });
      expect(res.status).toBe(400);
      expect(res.body.details).toHaveLength(100);
      // One detail for the list's size, two per customer without an id (isString, maxLength).
      expect(res.body.detailsOmitted).toBe(200_001 - 100);
      expect(res.text.length).toBeLessThan(50_000);
    });
  });

  describe('requests Node refuses itself (item 14)', () => {
    it('answers an oversized URL or header with 431 in the one error shape', async () => {
      for (const [path, headers] of [
        [`/v1/personas?x=${'a'.repeat(20_000)}`, admin],
        ['/v1/personas', { ...admin, 'x-padding': 'a'.repeat(20_000) }],
      ] as const) {
        const res = await send(api.url, 'GET', path, headers);
        expect(res.status).toBe(431);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toEqual({ code: 'HEADERS_TOO_LARGE', message: expect.any(String), details: [{ field: 'headers', message: 'too large', code: 'HEADERS_TOO_LARGE' }] });
      }
    });

    it('answers a request that is not HTTP with 400 in the one error shape', async () => {
      const answer = await raw(api.url, 'HELLO / HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'BAD_REQUEST', details: [{ field: 'request' }] });
    });
  });
});
