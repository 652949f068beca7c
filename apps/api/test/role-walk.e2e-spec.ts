import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { Role, ROLES } from '@corridor/domain';
import { ApiKeyRepository } from '@corridor/persistence';
import { parseRoleTable, roleTableIn, roleTableMarkdown } from '../src/auth/role-table';
import { RouteAccessCheck } from '../src/auth/route-access.check';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(600_000);

const README = resolve(__dirname, '../../../README.md');
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface Operation {
  method: Method;
  path: string;
  /** The path with every parameter filled (a well-formed id that names nothing). */
  url: string;
}

const UUID = '5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f';

function operationsOf(doc: { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; schema?: { type?: string; format?: string } }> }>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = new Map((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, p.schema]));
      const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const schema = params.get(name);
        return schema?.format === 'uuid' ? UUID : schema?.type === 'integer' || schema?.type === 'number' ? '1' : 'x';
      });
      ops.push({ method: method as Method, path, url });
    }
  }
  return ops;
}

describe('every operation answers as the README role table says', () => {
  let api: ApiTestApp;
  let revokedKey: string;
  let expiredKey: string;
  beforeAll(async () => {
    // No worker runs here: readiness leaves workers out, so /health/ready answers as its role does.
    api = await startApiTestApp({ env: { WORKER_STALE_SECONDS: '0' } });
    const keys = api.app.get(ApiKeyRepository);
    const revoked = await keys.issue('walk revoked', 'admin');
    await keys.revoke(revoked.apiKey.id);
    revokedKey = revoked.secret;
    const expired = await keys.issue('walk expired', 'admin', new Date(Date.now() + 60_000));
    await api.app.get(DataSource).query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.apiKey.id]);
    expiredKey = expired.secret;
  });
  afterAll(() => api?.close());

  it('the README table is the one the code generates (npm run docs:roles)', () => {
    const inReadme = roleTableIn(readFileSync(README, 'utf8'));
    expect(inReadme).toBe(roleTableMarkdown(api.app.get(RouteAccessCheck).routes()));
  });

  it('walks every OpenAPI operation with no key, bad keys and each role', async () => {
    const table = parseRoleTable(roleTableIn(readFileSync(README, 'utf8')) ?? '');
    const doc = (await api.http.get('/docs-json')).body;
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(50);
    const mismatches: string[] = [];
    const send = (op: Operation, headers: Record<string, string>) => api.http[op.method](op.url).set(headers).timeout(30_000);
    const detailCode = (body: { details?: Array<{ code?: string }> }) => body?.details?.[0]?.code;

    for (const op of ops) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      const who = table.get(name);
      if (!who) {
        mismatches.push(`${name}: not in the README table`);
        continue;
      }
      const keyless: Array<[string, Record<string, string>, string]> = [
        ['no key', {}, 'API_KEY_MISSING'],
        ['malformed key', { Authorization: 'Bearer crd_not-a-key' }, 'API_KEY_INVALID'],
        ['unknown key', { 'X-API-Key': 'crd_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'API_KEY_INVALID'],
        ['revoked key', { 'X-API-Key': revokedKey }, 'API_KEY_REVOKED'],
        ['expired key', { 'X-API-Key': expiredKey }, 'API_KEY_EXPIRED'],
      ];
      for (const [label, headers, code] of keyless) {
        const res = await send(op, headers);
        if (who === 'public') {
          // Public routes never ask for a key (they may refuse for their own reasons, e.g. a bad signature).
          if (String(detailCode(res.body) ?? '').startsWith('API_KEY_')) mismatches.push(`${name} (${label}): public route answered ${res.status} ${detailCode(res.body)}`);
        } else if (res.status !== 401 || detailCode(res.body) !== code) {
          mismatches.push(`${name} (${label}): expected 401 ${code}, got ${res.status} ${detailCode(res.body)}`);
        }
      }
      for (const role of ROLES as readonly Role[]) {
        const res = await send(op, api.auth(role));
        const refused = res.status === 403 && detailCode(res.body) === 'ROLE_REQUIRED';
        const admitted = who === 'public' || who.includes(role);
        if (res.status === 401 || res.status >= 500 || refused === admitted) {
          mismatches.push(`${name} (${role}): README says ${admitted ? 'admitted' : '403'}, got ${res.status} ${res.body?.code ?? ''}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
