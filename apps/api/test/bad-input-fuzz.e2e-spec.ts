/**
 * Walks every operation of the API's own OpenAPI document (/docs-json) with bad input: NUL bytes
 * and lone surrogates in strings, keys, query and path parameters; bodies nested thousands deep;
 * bodies sent as text/plain, form-encoded or with no content type; null in each optional field;
 * fractional and malformed query parameters. Every answer must be in the one error shape and never
 * a 5xx; input that can never be stored or read must be a 4xx.
 *
 * Seeded (SEED below): the random parts (junk text, nesting depth, which field is bad) are the same
 * on every run, so a failure replays. Bounded: a few hundred requests.
 */
import http from 'node:http';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { RawAnswer, sendRaw } from './raw-request';

jest.setTimeout(90_000);

const SEED = 0x6c0ffee;

/** mulberry32: tiny, seedable, good enough to pick test inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Names of the JSON body's properties, and which are required; undefined: no JSON body. */
  body?: { properties: string[]; required: string[] };
  /** Declared media types of the body, when not JSON (the streamed import). */
  consumes: string[];
}

type Schema = { $ref?: string; properties?: Record<string, unknown>; required?: string[] };

function operationsOf(doc: {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}): Operation[] {
  const resolve = (s: Schema | undefined): Schema | undefined => (s?.$ref ? doc.components?.schemas?.[s.$ref.split('/').pop()!] : s);
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const json = resolve(content['application/json']?.schema);
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        body: json ? { properties: Object.keys(json.properties ?? {}), required: json.required ?? [] } : undefined,
        consumes: Object.keys(content).filter((t) => t !== 'application/json'),
      });
    }
  }
  return ops;
}

describe('bad input on every operation of the OpenAPI document (seeded)', () => {
  let api: ApiTestApp;
  let ops: Operation[];
  const random = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  /** Real path values, so a request gets past "not found" to the code that stores or reads. */
  const real: Record<string, string> = {};
  const failures: string[] = [];
  let sent = 0;

  beforeAll(async () => {
    api = await startApiTestApp();
    const admin = api.auth('admin');
    const attribute = await api.http.post('/v1/attributes').set(admin).send({ name: 'plan', type: 'enum', enumValues: ['free', 'pro'] });
    expect(attribute.status).toBe(201);
    const persona = await api.http
      .post('/v1/personas')
      .set(admin)
      .send({ key: 'vip', name: 'VIP', rule: { attribute: 'plan', operator: 'equals', value: 'pro' } });
    expect(persona.status).toBe(201);
    // Port 1 refuses at once: "test connection" answers quickly with what is wrong.
    const connection = await api.http
      .post('/v1/connections')
      .set(admin)
      .send({ kind: 'hubspot', name: 'fuzz', accessToken: 'pat-fuzz-token', basePath: 'http://127.0.0.1:1', settings: { syncIntervalSeconds: 0 } });
    expect(connection.status).toBe(201);
    const key = await api.http.post('/v1/api-keys').set(admin).send({ role: 'agent', name: 'fuzz' });
    expect(key.status).toBe(201);
    Object.assign(real, { key: 'vip', name: 'plan', connectionId: connection.body.id, version: '1', apiKeyId: key.body.id, connId: connection.body.id });
    const docs = await api.http.get('/docs-json');
    expect(docs.status).toBe(200);
    ops = operationsOf(docs.body);
    expect(ops.length).toBeGreaterThan(30);
  });
  afterAll(() => api?.close());

  /** A real value for a path parameter of this operation. */
  const realParam = (op: Operation, name: string): string => {
    if (name === 'id') return op.path.startsWith('/v1/api-keys') ? real.apiKeyId : real.connId;
    return real[name] ?? 'x';
  };
  const pathOf = (op: Operation, override: Record<string, string> = {}): string =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? encodeURIComponent(realParam(op, name)));

  /** Checks one answer: the one error shape for every 4xx/5xx, never a 5xx, and a 4xx when `must4xx`. */
  async function check(op: Operation, what: string, answer: Promise<RawAnswer>, must4xx: boolean): Promise<void> {
    const res = await answer;
    sent++;
    const where = `${op.method} ${op.path} [${what}] → ${res.status} ${res.text.slice(0, 200)}`;
    if (res.status >= 500) return void failures.push(where);
    if (must4xx && (res.status < 400 || res.status >= 500)) return void failures.push(`${where} (expected a 4xx)`);
    if (res.status >= 400) {
      const body = res.body as { code?: unknown; message?: unknown; details?: unknown } | undefined;
      const shaped =
        body !== undefined &&
        typeof body.code === 'string' &&
        typeof body.message === 'string' &&
        Array.isArray(body.details) &&
        (body.details as Array<Record<string, unknown>>).every((d) => typeof d.field === 'string' && typeof d.message === 'string');
      if (!shaped) failures.push(`${where} (not the error shape)`);
    }
  }

  const junk = (): string => pick(['x', 'persona', 'a b', 'Ωmega', '😀', '1']) + Math.floor(random() * 1000);
  const withNul = (): string => `${junk()}\u0000${junk()}`;
  // JSON.stringify writes a lone surrogate as the escape \udXXX, which JSON.parse turns back into one.
  const withLoneSurrogate = (): string => `${junk()}${pick(['\ud800', '\udbff', '\udc00', '\udfff'])}${junk()}`;
  const deep = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  const deepArray = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

  it('never answers 5xx, always in the one error shape, and refuses what cannot be stored', async () => {
    const admin = { authorization: api.auth('admin').Authorization };
    const json = { ...admin, 'content-type': 'application/json' };
    const writes = (op: Operation) => ['POST', 'PUT', 'PATCH'].includes(op.method);
    // Deleting the fixtures would leave later cases nothing real to reach: DELETE only gets bad path params.
    for (const op of ops) {
      // Path parameters: NUL, a lone surrogate (invalid UTF-8 once percent-encoded), junk.
      for (const name of op.pathParams) {
        await check(op, `path ${name} NUL`, sendRaw(api.url, op.method, pathOf(op, { [name]: `${encodeURIComponent(junk())}%00` }), json, writes(op) ? '{}' : undefined), true);
        await check(op, `path ${name} lone surrogate`, sendRaw(api.url, op.method, pathOf(op, { [name]: '%ED%A0%80' }), json, writes(op) ? '{}' : undefined), true);
        await check(op, `path ${name} junk`, sendRaw(api.url, op.method, pathOf(op, { [name]: encodeURIComponent(junk()) }), json, writes(op) ? '{}' : undefined), false);
      }
      if (op.method === 'DELETE') continue;
      const path = pathOf(op);
      // Query parameters: NUL must be refused; fractions and junk must not crash.
      for (const name of [...op.queryParams, 'email']) {
        const q = (v: string) => `${path}?${name}=${v}`;
        await check(op, `query ${name} NUL`, sendRaw(api.url, op.method, q(`a%00b`), json, writes(op) ? '{}' : undefined), true);
        if (!op.queryParams.includes(name)) continue;
        await check(op, `query ${name}=2.5`, sendRaw(api.url, op.method, q('2.5'), json, writes(op) ? '{}' : undefined), false);
        await check(op, `query ${name}=garbage`, sendRaw(api.url, op.method, q(encodeURIComponent(junk())), json, writes(op) ? '{}' : undefined), false);
        await check(op, `query ${name} twice`, sendRaw(api.url, op.method, `${q('1')}&${name}=2`, json, writes(op) ? '{}' : undefined), false);
      }
      if (!writes(op) || op.path.endsWith('/customers/import')) continue;
      const props = op.body?.properties ?? [];
      // Wrong content types, and a body with none: 415.
      await check(op, 'text/plain', sendRaw(api.url, op.method, path, { ...admin, 'content-type': 'text/plain' }, '{"wait": 1}'), true);
      await check(op, 'form-encoded', sendRaw(api.url, op.method, path, { ...admin, 'content-type': 'application/x-www-form-urlencoded' }, 'wait=1&name=x'), true);
      await check(op, 'no content type', sendRaw(api.url, op.method, path, admin, '{"wait": 1}'), true);
      // Deep nesting, at the top and inside a field.
      await check(op, 'deep object', sendRaw(api.url, op.method, path, json, deep(2000 + Math.floor(random() * 8000))), true);
      const field = props.length ? pick(props) : 'rule';
      await check(op, `deep ${field}`, sendRaw(api.url, op.method, path, json, `{"${field}":${deepArray(2000 + Math.floor(random() * 8000))}}`), true);
      await check(op, 'deep rule', sendRaw(api.url, op.method, path, json, `{"rule":${'{"not":'.repeat(3000)}{"attribute":"plan","operator":"is_set"}${'}'.repeat(3001)}`), true);
      // NUL and lone surrogates in every string field, in a key, and deep inside a rule value.
      for (const [label, bad] of [['NUL', withNul], ['lone surrogate', withLoneSurrogate]] as const) {
        for (const p of props) await check(op, `${p} ${label}`, sendRaw(api.url, op.method, path, json, JSON.stringify({ [p]: bad() })), true);
        await check(op, `key ${label}`, sendRaw(api.url, op.method, path, json, JSON.stringify({ [bad()]: 'x' })), true);
        const rule = { all: [{ attribute: 'plan', operator: 'in', value: ['pro', bad()] }] };
        await check(op, `rule value ${label}`, sendRaw(api.url, op.method, path, json, JSON.stringify({ key: 'fuzzed', name: 'Fuzzed', rule })), true);
      }
      // null in each optional field (alone, so nothing else refuses the body first): refused or accepted, never a crash.
      for (const p of props.filter((p) => !op.body!.required.includes(p))) {
        await check(op, `${p}: null`, sendRaw(api.url, op.method, path, json, JSON.stringify({ [p]: null })), false);
      }
      // An array or a scalar where an object is expected.
      for (const p of props) await check(op, `${p}: []`, sendRaw(api.url, op.method, path, json, JSON.stringify({ [p]: [] })), false);
      await check(op, 'body []', sendRaw(api.url, op.method, path, json, '[]'), false);
    }
    // Guards the walk itself: every operation was reached, with real path values where it has them.
    expect(sent).toBeGreaterThan(400);
    expect({ seed: SEED, failures }).toEqual({ seed: SEED, failures: [] });
  });
});
