import { ChildProcess } from 'node:child_process';
import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '@corridor/persistence';
import { collectLogLines, eventually, freePort, spawnAppProcess, stopProcess } from '@corridor/testing';
import { ApiKeyCache } from '../src/auth/api-key.cache';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { RawAnswer, sendRaw } from './raw-request';

jest.setTimeout(120_000);

/**
 * The lean path for single events (apps/api/src/events/lean-events.path.ts) answers exactly as
 * Nest does. Two APIs with the same data, one with the lean path off (EVENTS_LEAN_PATH=0, every
 * request through Express and Nest) and one with it on, get the same requests; their answers must
 * agree (status, body, headers), and the lean API's counter of requests it answered itself says
 * which path each request took there.
 */
describe('POST /v1/events: the lean path answers as Nest does', () => {
  interface Side {
    api: ApiTestApp;
    db: DataSource;
    revokedKey: string;
    keyIds: string[];
  }
  let nest: Side;
  let lean: Side;
  const LIMIT = 100_000;

  async function start(leanPath: '0' | '1'): Promise<Side> {
    // Rate limits on (high, in a window longer than the test), so their headers are compared too.
    const api = await startApiTestApp({ env: { EVENTS_LEAN_PATH: leanPath, RATE_LIMIT_INTEGRATION: String(LIMIT), RATE_LIMIT_WINDOW_SECONDS: '3600' } });
    const db = await new DataSource({ type: 'postgres', url: api.ctx.databaseUrl }).initialize();
    await api.http
      .post('/v1/customers/import')
      .set(api.auth('integration'))
      .set('Content-Type', 'application/x-ndjson')
      .send(JSON.stringify({ id: 'c-1', attributes: { email: 'ann@x.io' } }))
      .expect(200);
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('purchase_completed', 'Purchase completed', 'purchase', 'web', 2)`);
    await api.http.put('/v1/event-sources/web').set(api.auth('admin')).send({ name: 'Website', mappings: { 'Order Completed': 'purchase_completed' } }).expect(200);
    const issued = await api.app.get(ApiKeyRepository).issue('to revoke', 'integration');
    await api.http.delete(`/v1/api-keys/${issued.apiKey.id}`).set(api.auth('admin')).expect(204);
    // The integration key's first single event goes through the guard, which counts it exactly and
    // keeps the count in-process from then on (as under load).
    await sendRaw(api.url, 'POST', '/v1/events', { authorization: `Bearer ${api.integrationKey}`, 'content-type': 'application/json' }, event('first')).then((r) => expect(r.status).toBe(202));
    const keyIds = (await api.app.get(ApiKeyRepository).list()).map((k) => k.id);
    return { api, db, revokedKey: issued.secret, keyIds };
  }

  beforeAll(async () => {
    nest = await start('0');
    lean = await start('1');
  });
  afterAll(async () => {
    for (const side of [lean, nest]) {
      await side?.db.destroy();
      await side?.api.close();
    }
  });

  const leanAnswered = async (side: Side): Promise<number> => {
    const text = (await side.api.http.get('/metrics').expect(200)).text;
    return Number(/^corridor_events_lean_path_requests_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const durations = async (side: Side, status: number): Promise<number> => {
    const text = (await side.api.http.get('/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('method="POST"') && l.includes('route="/v1/events"') && l.includes(`status_code="${status}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  type Request = { path?: string; headers: (side: Side) => Record<string, string>; body: string | Buffer };
  const as = (key: (side: Side) => string, extra: Record<string, string> = {}) => (side: Side) => ({ authorization: `Bearer ${key(side)}`, 'content-type': 'application/json', ...extra });
  const integration = as((s) => s.api.integrationKey);

  /**
   * Sends the request to both APIs, each right after another request with the same keys (they are
   * then in the key cache, which trusts a key for a second, as under load), and compares what
   * matters of the two answers.
   */
  async function both(request: Request): Promise<{ nest: RawAnswer; lean: RawAnswer; tookLean: boolean }> {
    const answers: RawAnswer[] = [];
    let tookLean = false;
    for (const side of [nest, lean]) {
      const before = await leanAnswered(side);
      // Forgotten first: a cached key is trusted for a second from when it was looked up, not last used.
      for (const id of side.keyIds) side.api.app.get(ApiKeyCache).forget(id);
      for (const key of [side.api.integrationKey, side.api.adminKey, side.api.agentKey]) {
        await side.api.http.get('/v1/attributes').set('Authorization', `Bearer ${key}`);
      }
      answers.push(await sendRaw(side.api.url, 'POST', request.path ?? '/v1/events', request.headers(side), request.body));
      const taken = (await leanAnswered(side)) - before;
      if (side === nest) expect(taken).toBe(0);
      else tookLean = taken === 1;
    }
    const [n, l] = answers;
    expect({ status: l.status, body: normalised(l.body) ?? l.text }).toEqual({ status: n.status, body: normalised(n.body) ?? n.text });
    expect(headerNames(l)).toEqual(headerNames(n));
    for (const name of ['content-type', 'x-ratelimit-limit', 'retry-after', 'connection', 'keep-alive']) expect([name, l.headers[name]]).toEqual([name, n.headers[name]]);
    // Both counted every POST /v1/events of the integration key in this window alike.
    expect(l.headers['x-ratelimit-remaining']).toEqual(n.headers['x-ratelimit-remaining']);
    expect(l.headers['content-length']).toBe(String(Buffer.byteLength(l.text)));
    if (n.headers.etag) expect(l.headers.etag).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/);
    return { nest: n, lean: l, tookLean };
  }

  it('answers valid single events itself, as Nest does: accepted, duplicate, unknown customer, unknown touchpoint', async () => {
    const accepted202 = await durations(lean, 202);
    const first = await both({ headers: integration, body: event('order-1') });
    expect(first.lean.status).toBe(202);
    expect(first.lean.body).toMatchObject({ accepted: 1, results: [{ status: 'accepted' }] });
    expect(first.lean.headers['x-ratelimit-limit']).toBe(String(LIMIT));
    expect(first.tookLean).toBe(true);
    // The request metric: the labels Nest's router gives the route, counted once.
    expect(await durations(nest, 202)).toBeGreaterThan(0);
    expect(await durations(lean, 202)).toBe(accepted202 + 1);

    const again = await both({ headers: integration, body: event('order-1', { properties: { amount: 999 } }) });
    expect(again.lean.body).toMatchObject({ duplicate: 1, results: [{ status: 'duplicate', eventId: first.lean.body.results[0].eventId }] });
    expect(again.tookLean).toBe(true);

    const [row] = await lean.db.query(`SELECT properties, correlation_id FROM touchpoint_events WHERE id = $1`, [first.lean.body.results[0].eventId]);
    expect(row.properties).toEqual({ amount: 42 });
    expect(row.correlation_id).toBe(first.lean.headers['x-request-id']);

    const noCustomer = await both({ headers: integration, body: event('order-2', { customer: 'email:nobody@x.io' }) });
    expect(noCustomer.lean.body).toMatchObject({ rejected: 1, results: [{ status: 'rejected', code: 'CUSTOMER_NOT_FOUND' }] });
    expect(noCustomer.tookLean).toBe(true);

    const noTouchpoint = await both({ headers: integration, body: event('order-3', { touchpoint: 'no_such_touchpoint' }) });
    expect(noTouchpoint.lean.body).toMatchObject({ rejected: 1, results: [{ status: 'rejected', code: 'TOUCHPOINT_NOT_FOUND' }] });
    expect(noTouchpoint.tookLean).toBe(true);

    // The caller's request id is echoed and stored; other spellings of JSON and of the key header too.
    const traced = await both({ headers: as((s) => s.api.integrationKey, { 'x-request-id': 'caller-id-1', 'content-type': 'application/json; charset=utf-8' }), body: event('order-4') });
    expect([traced.nest.headers['x-request-id'], traced.lean.headers['x-request-id']]).toEqual(['caller-id-1', 'caller-id-1']);
    expect(traced.tookLean).toBe(true);
    const byHeader = await both({ headers: (s) => ({ 'x-api-key': s.api.integrationKey, 'content-type': 'application/json' }), body: event('order-5') });
    expect(byHeader.tookLean).toBe(true);
    const [stored] = await lean.db.query(`SELECT correlation_id FROM touchpoint_events WHERE idempotency_key = 'order-4'`);
    expect(stored.correlation_id).toBe('caller-id-1');
  });

  it('leaves everything else to Nest, which answers as it always did', async () => {
    const cases: Array<[string, Request, number]> = [
      ['bad key', { headers: as(() => 'crd_nope_0000000000000000000000000000'), body: event('x-1') }, 401],
      ['no key', { headers: () => ({ 'content-type': 'application/json' }), body: event('x-2') }, 401],
      ['revoked key', { headers: as((s) => s.revokedKey), body: event('x-3') }, 401],
      ['wrong role', { headers: as((s) => s.api.agentKey), body: event('x-4') }, 403],
      ['admin key (audited)', { headers: as((s) => s.api.adminKey), body: event('x-5') }, 202],
      ['malformed JSON', { headers: integration, body: '{"touchpoint": "purchase_completed", ' }, 400],
      ['malformed JSON, bad key', { headers: as(() => 'crd_nope_0000000000000000000000000000'), body: '{"touchpoint":' }, 400],
      ['not an object', { headers: integration, body: '[1, 2]' }, 400],
      ['NUL in a property', { headers: integration, body: event('x-6', { properties: { note: 'a\u0000b' } }) }, 400],
      ['NUL in the key', { headers: integration, body: event('x-7\u0000') }, 400],
      ['wrong content type', { headers: as((s) => s.api.integrationKey, { 'content-type': 'text/plain' }), body: event('x-8') }, 415],
      ['missing idempotency key', { headers: integration, body: JSON.stringify({ touchpoint: 'purchase_completed', customer: 'c-1' }) }, 400],
      ['unknown field', { headers: integration, body: event('x-9', { extra: 1 }) }, 400],
      ['bad customer reference', { headers: integration, body: event('x-10', { customer: 'email:' }) }, 400],
      ['bad occurredAt', { headers: integration, body: event('x-11', { occurredAt: 'yesterday' }) }, 400],
      ['batch', { headers: integration, body: JSON.stringify({ events: [JSON.parse(event('b-1')), JSON.parse(event('b-2', { customer: 'nobody' }))] }) }, 202],
      ['query string', { path: '/v1/events?x=1', headers: integration, body: event('x-12') }, 202],
      [
        'Segment track',
        { path: '/v1/events/segment/web', headers: integration, body: JSON.stringify({ type: 'track', event: 'Order Completed', messageId: 'm-1', userId: 'c-1', properties: { total: 5 } }) },
        200,
      ],
    ];
    for (const [name, request, status] of cases) {
      const { lean: answer, tookLean } = await both(request);
      expect([name, answer.status, tookLean]).toEqual([name, status, false]);
    }
    // The admin key's event has its audit row on both sides.
    for (const side of [nest, lean]) {
      const rows = await side.db.query(`SELECT actor_role FROM audit_log WHERE method = 'POST' AND route = '/v1/events'`);
      expect(rows).toEqual([{ actor_role: 'admin' }]);
    }
  });

  it('counts its requests on the same rate-limit counter as the guard', async () => {
    // Each single event counts one on the key's counter, whichever path answered it.
    const a = await both({ headers: integration, body: event('rl-1') });
    const b = await both({ headers: integration, body: event('rl-2') });
    expect(b.tookLean).toBe(true);
    expect(Number(a.lean.headers['x-ratelimit-remaining']) - Number(b.lean.headers['x-ratelimit-remaining'])).toBe(1);
  });

  it('keeps answering a key in steady use past its second in the key cache, and stops at once when the key is revoked here', async () => {
    const issued = await lean.api.app.get(ApiKeyRepository).issue('steady producer', 'integration');
    const headers = { authorization: `Bearer ${issued.secret}`, 'content-type': 'application/json' };
    const send = (key: string) => sendRaw(lean.api.url, 'POST', '/v1/events', headers, event(key));
    // The first goes through the guard: the key is looked up, its count kept in-process from then on.
    expect((await send('steady-0')).status).toBe(202);
    const before = await leanAnswered(lean);
    const sent = 25;
    // 2.5 s of events ten times a second: each one past the cache's second would go through Nest
    // unless the entry was renewed in the background.
    for (let i = 1; i <= sent; i++) {
      expect((await send(`steady-${i}`)).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await leanAnswered(lean)) - before).toBe(sent);

    // Revoked through this process's API: refused with the very next request, by Nest.
    await lean.api.http.delete(`/v1/api-keys/${issued.apiKey.id}`).set(lean.api.auth('admin')).expect(204);
    const afterRevoke = await leanAnswered(lean);
    const refused = await send('steady-revoked');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'UNAUTHENTICATED', details: [{ code: 'API_KEY_REVOKED' }] });
    expect(await leanAnswered(lean)).toBe(afterRevoke);
  });

  /**
   * The access log line: the lean path writes pino-http's line itself (one call instead of a child
   * logger per request), so a change on either side must show here. An api process per side, on
   * that side's database and Redis, whose stdout the test reads (in-process apps share one pino
   * root logger and write to the test's stdout).
   */
  describe('access log line', () => {
    const procs: Array<{ proc: ChildProcess; url: string; lines: Array<Record<string, unknown>> }> = [];

    beforeAll(async () => {
      for (const [side, leanPath] of [[nest, '0'], [lean, '1']] as const) {
        const port = await freePort();
        const proc = spawnAppProcess(
          'apps/api/src/main.ts',
          { ...side.api.ctx.env, PORT: String(port), LOG_LEVEL: 'info', EVENTS_LEAN_PATH: leanPath, RATE_LIMIT_INTEGRATION: String(LIMIT), RATE_LIMIT_WINDOW_SECONDS: '3600' },
          { captureStdout: true },
        );
        procs.push({ proc, url: `http://127.0.0.1:${port}`, lines: collectLogLines(proc) });
      }
      for (const { proc, url } of procs) {
        await eventually(
          async () => {
            if (proc.exitCode !== null) throw new Error(`api process exited with ${proc.exitCode}`);
            return (await sendRaw(url, 'GET', '/health/live', {}).catch(() => ({ status: 0 }))).status === 200;
          },
          `the api process at ${url} to answer`,
          300_000,
          250,
        );
      }
      // As in start(): a first single event through the guard, so the key's count is in-process.
      for (const [i, side] of [nest, lean].entries()) {
        const answer = await sendRaw(procs[i].url, 'POST', '/v1/events', { authorization: `Bearer ${side.api.integrationKey}`, 'content-type': 'application/json' }, event(`log-first-${i}`));
        expect(answer.status).toBe(202);
      }
    }, 320_000);
    afterAll(async () => {
      await Promise.all(procs.map(({ proc }) => stopProcess(proc)));
    });

    /**
     * Sends the request to both processes, each with its side's integration key (verified there just
     * before, as under load), and answers their statuses and access log lines.
     */
    async function accessLines(headers: Record<string, string>, body: string): Promise<{ nest: Record<string, unknown>; lean: Record<string, unknown>; statuses: number[] }> {
      const found: Array<Record<string, unknown>> = [];
      const statuses: number[] = [];
      for (const [i, side] of [nest, lean].entries()) {
        const { url, lines } = procs[i];
        const authorization = `Bearer ${side.api.integrationKey}`;
        await sendRaw(url, 'GET', '/v1/attributes', { authorization });
        const before = leanCount((await sendRaw(url, 'GET', '/metrics', {})).text);
        const answer = await sendRaw(url, 'POST', '/v1/events', { ...headers, authorization }, body);
        statuses.push(answer.status);
        // The lean process answered it itself; the other went through Nest.
        expect([i, leanCount((await sendRaw(url, 'GET', '/metrics', {})).text) - before]).toEqual([i, i]);
        const requestId = answer.headers['x-request-id'];
        const isAccessLine = (l: Record<string, unknown>) => {
          const req = l.req as { id?: unknown; method?: unknown } | undefined;
          return req !== undefined && req.id === requestId && req.method === 'POST';
        };
        found.push(await eventually(async () => lines.find(isAccessLine), `the access log line of ${requestId}`, 10_000));
      }
      return { nest: found[0], lean: found[1], statuses };
    }

    it('writes the same access log line as pino-http: fields, values and their order, bar the time and the duration', async () => {
      const headers = (requestId: string) => ({ 'content-type': 'application/json', 'user-agent': 'corridor-test/1.0', 'x-request-id': requestId });
      const cases: Array<[string, Record<string, string>, string, number]> = [
        ['accepted', headers('log-accepted'), event('log-1'), 202],
        ['unknown customer', headers('log-rejected'), event('log-2', { customer: 'email:nobody@x.io' }), 202],
      ];
      for (const [name, h, body, status] of cases) {
        const sides = await accessLines(h, body);
        expect([name, sides.statuses]).toEqual([name, [status, status]]);
        expect([name, comparable(sides.lean)]).toEqual([name, comparable(sides.nest)]);
        expect([name, Object.keys(sides.lean)]).toEqual([name, Object.keys(sides.nest)]);
        expect(sides.lean).toMatchObject({ level: 'info', msg: 'request completed', correlationId: h['x-request-id'], res: { statusCode: status }, responseTime: expect.any(Number) });
      }
    });
  });
});

function leanCount(metrics: string): number {
  return Number(/^corridor_events_lean_path_requests_total\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
}

/** An access log line less what differs between two moments: the time and the duration (lines carry no pid or host). */
function comparable(line: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, responseTime: _responseTime, ...rest } = line;
  return rest;
}

function event(idempotencyKey: string, over: Record<string, unknown> = {}): string {
  return JSON.stringify({ touchpoint: 'purchase_completed', customer: 'email:ann@x.io', occurredAt: '2026-12-01T10:00:00Z', properties: { amount: 42 }, idempotencyKey, ...over });
}

/** Event ids differ between the two databases; everything else of an answer must not. */
function normalised(body: unknown): unknown {
  if (body === undefined) return undefined;
  return JSON.parse(JSON.stringify(body), (key, value) => (key === 'eventId' && typeof value === 'string' ? '<event id>' : value));
}

/** Header names an answer carries, less those whose presence depends on the moment. */
function headerNames(answer: RawAnswer): string[] {
  return Object.keys(answer.headers).sort();
}
