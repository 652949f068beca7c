import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import supertest from 'supertest';
import { collectLogLines, eventually, freePort, spawnAppProcess, spawnWorkerProcess, stopProcess } from '@corridor/testing';
import {
  DEFAULT_HUBSPOT_CLIENT_SECRET,
  DEFAULT_HUBSPOT_TOKEN,
  DEFAULT_SALESFORCE_CLIENT_SECRET,
  DEFAULT_SALESFORCE_CLIENT_ID,
  DEFAULT_SALESFORCE_PASSWORD,
  DEFAULT_SALESFORCE_USERNAME,
  DEFAULT_SALESFORCE_WEBHOOK_SECRET,
} from '../../crm-sandbox/src/sandbox-options';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/** A sealed secret as SecretBox writes it: v2.<key id>.<iv>.<tag>.<ciphertext> (base64url), or the older v1 without a key id. */
const SEALED = /v2\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+|v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+/;

/**
 * Failing queries are logged (500 INTERNAL, with the error) but never with their parameters or
 * Postgres' row values: the connection's sealed credentials are among them, and the development
 * key that opens them is public. A second API process, whose stdout the test reads, serves the
 * requests; a constraint added to this test's own database makes the writes fail.
 */
describe('secrets never reach the logs when a query fails', () => {
  let api: ApiTestApp;
  let proc: ChildProcess;
  let lines: Array<Record<string, unknown>>;
  let http: supertest.Agent;
  let db: Client;

  beforeAll(async () => {
    api = await startApiTestApp();
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    await db.query(`ALTER TABLE connections ADD CONSTRAINT test_refuses_name CHECK (name <> 'refused-by-test')`);
    const port = await freePort();
    proc = spawnAppProcess('apps/api/src/main.ts', { ...api.ctx.env, PORT: String(port), LOG_LEVEL: 'info' }, { captureStdout: true });
    lines = collectLogLines(proc);
    http = supertest.agent(`http://127.0.0.1:${port}`);
    await eventually(async () => (await http.get('/health').catch(() => ({ status: 0 }))).status === 200, 'the API process to answer', 90_000, 250);
  });
  afterAll(async () => {
    if (proc) await stopProcess(proc);
    await db?.end();
    await api?.close();
  });

  it('logs the failed insert and update without the plain or the sealed credentials', async () => {
    const TOKEN = 'pat-na1-secret-token-4242424242';
    const NEW_TOKEN = 'pat-na1-other-token-1717171717';
    const created = await http
      .post('/v1/connections')
      .set(api.auth('admin'))
      .send({ kind: 'hubspot', name: 'refused-by-test', accessToken: TOKEN, webhookClientSecret: 'client-secret-0000', settings: { syncIntervalSeconds: 0 } });
    expect(created.status).toBe(500);
    expect(created.body).toEqual({ code: 'INTERNAL', message: 'Internal server error', details: [] });

    const ok = await http.post('/v1/connections').set(api.auth('admin')).send({ kind: 'hubspot', name: 'fine', accessToken: TOKEN, settings: { syncIntervalSeconds: 0 } });
    expect(ok.status).toBe(201);
    const updated = await http.patch(`/v1/connections/${ok.body.id}`).set(api.auth('admin')).send({ name: 'refused-by-test', accessToken: NEW_TOKEN });
    expect(updated.status).toBe(500);
    const { rows } = await db.query(`SELECT credentials_encrypted FROM connections WHERE id = $1`, [ok.body.id]);
    const storedSealed: string = rows[0].credentials_encrypted;

    // Both failures were logged, with what helps: the error's type, code and constraint.
    const failures = await eventually(async () => {
      const found = lines.filter((l) => l.msg === 'request failed');
      return found.length >= 2 && found;
    }, 'the two failures to be logged');
    for (const f of failures) expect(f.err).toMatchObject({ code: '23514', constraint: 'test_refuses_name', message: expect.any(String) });

    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(NEW_TOKEN);
    expect(text).not.toContain('client-secret-0000');
    expect(text).not.toContain(storedSealed);
    expect(text).not.toMatch(SEALED);
  });
  it('logs a failed destination insert and update without the plain or the sealed signing secret', async () => {
    const SECRET = 'whsec_c2lnbmluZy1zZWNyZXQtZm9yLWxvZy10ZXN0LTQyNDI0Mg==';
    const NEW_SECRET = 'whsec_YW5vdGhlci1zaWduaW5nLXNlY3JldC1mb3ItbG9nLXRlc3Q=';
    await db.query(`ALTER TABLE destinations ADD CONSTRAINT test_refuses_destination CHECK (name <> 'refused-by-test')`);
    // A literal public address: checked without DNS, never contacted.
    const url = 'https://93.184.216.34/hook';
    const created = await http.post('/v1/destinations').set(api.auth('admin')).send({ name: 'refused-by-test', url, secret: SECRET });
    expect(created.status).toBe(500);
    const ok = await http.post('/v1/destinations').set(api.auth('admin')).send({ name: 'fine', url, secret: SECRET });
    expect(ok.status).toBe(201);
    const updated = await http.patch(`/v1/destinations/${ok.body.id}`).set(api.auth('admin')).send({ name: 'refused-by-test', secret: NEW_SECRET });
    expect(updated.status).toBe(500);
    const { rows } = await db.query(`SELECT secret_encrypted FROM destinations WHERE id = $1`, [ok.body.id]);

    await eventually(async () => lines.filter((l) => (l.err as { constraint?: string } | undefined)?.constraint === 'test_refuses_destination').length >= 2, 'both failures to be logged');
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    for (const secret of [SECRET, NEW_SECRET]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(6, 30));
    }
    expect(text).not.toContain(rows[0].secret_encrypted);
    expect(text).not.toMatch(SEALED);
  });

  it('a scenario through the CRM sandbox and a worker: syncs, refusals and bad keys log no secret, and no error answer carries one', async () => {
    const sandbox = await startCrmSandbox({ port: 0 } as never);
    const worker = spawnWorkerProcess({ ...api.ctx.env, LOG_LEVEL: 'debug' }, { captureStdout: true });
    const workerLines = collectLogLines(worker);
    const errors: string[] = [];
    const record = (res: supertest.Response) => {
      if (res.status >= 400) errors.push(JSON.stringify({ headers: res.headers, body: res.body }));
      return res;
    };
    const SIGNING = 'whsec_ZnVsbC1zY2VuYXJpby1zaWduaW5nLXNlY3JldC00MjQyNDI=';
    try {
      const hs = record(
        await http
          .post('/v1/connections')
          .set(api.auth('admin'))
          .send({ kind: 'hubspot', name: 'hs', accessToken: DEFAULT_HUBSPOT_TOKEN, webhookClientSecret: DEFAULT_HUBSPOT_CLIENT_SECRET, basePath: sandbox.url, settings: { syncIntervalSeconds: 0 } }),
      );
      expect(hs.status).toBe(201);
      const sf = record(
        await http.post('/v1/connections').set(api.auth('admin')).send({
          kind: 'salesforce',
          name: 'sf',
          loginUrl: sandbox.url,
          clientId: DEFAULT_SALESFORCE_CLIENT_ID,
          clientSecret: DEFAULT_SALESFORCE_CLIENT_SECRET,
          username: DEFAULT_SALESFORCE_USERNAME,
          password: DEFAULT_SALESFORCE_PASSWORD,
          webhookSecret: DEFAULT_SALESFORCE_WEBHOOK_SECRET,
          settings: { syncIntervalSeconds: 0 },
        }),
      );
      expect(sf.status).toBe(201);
      for (const id of [hs.body.id, sf.body.id]) {
        record(await http.post(`/v1/connections/${id}/test`).set(api.auth('admin')));
        const run = record(await http.post(`/v1/connections/${id}/sync`).set(api.auth('admin')).send({ mode: 'full' }));
        expect(run.status).toBe(202);
        await eventually(async () => ['completed', 'failed'].includes((await http.get(`/v1/sync-runs/${run.body.id}`).set(api.auth('admin'))).body.status), 'the sync to finish', 90_000, 250);
      }
      // Errors on the new paths: a move without credentials, an internal address, a wrong password at the test.
      record(await http.patch(`/v1/connections/${sf.body.id}`).set(api.auth('admin')).send({ loginUrl: 'https://login.example.test' }));
      record(await http.post('/v1/connections').set(api.auth('admin')).send({ kind: 'hubspot', name: 'x', accessToken: DEFAULT_HUBSPOT_TOKEN, basePath: 'http://169.254.169.254' }));
      record(await http.patch(`/v1/connections/${sf.body.id}`).set(api.auth('admin')).send({ password: 'wrong-password-31337' }));
      record(await http.post(`/v1/connections/${sf.body.id}/test`).set(api.auth('admin')));
      const dest = record(await http.post('/v1/destinations').set(api.auth('admin')).send({ name: 'hooks', url: 'https://93.184.216.34/hook', secret: SIGNING }));
      expect(dest.status).toBe(201);
      record(await http.post('/v1/destinations').set(api.auth('admin')).send({ name: 'inside', url: 'http://10.0.0.1/hook', secret: SIGNING }));
      // Bad and near-miss keys: a key's secret part is never logged, even when wrong.
      const nearMiss = api.adminKey.slice(0, -4) + 'AAAA';
      record(await http.get('/v1/connections').set('Authorization', `Bearer ${nearMiss}`));
      record(await http.get('/v1/connections').set('X-API-Key', api.agentKey));

      const sealed = (await db.query(`SELECT credentials_encrypted AS s FROM connections UNION ALL SELECT secret_encrypted FROM destinations`)).rows.map((r) => r.s as string);
      await new Promise((r) => setTimeout(r, 1000)); // the last lines flushed
      const text = [...lines, ...workerLines].map((l) => JSON.stringify(l)).join('\n');
      expect(workerLines.length).toBeGreaterThan(0);
      const secrets = [
        DEFAULT_HUBSPOT_TOKEN,
        DEFAULT_HUBSPOT_CLIENT_SECRET,
        DEFAULT_SALESFORCE_CLIENT_SECRET,
        DEFAULT_SALESFORCE_PASSWORD,
        DEFAULT_SALESFORCE_WEBHOOK_SECRET,
        'wrong-password-31337',
        SIGNING,
        SIGNING.slice(6, 30),
        api.adminKey.slice(18),
        api.agentKey.slice(18),
        nearMiss.slice(18),
        ...sealed,
      ];
      for (const where of [text, errors.join('\n')]) {
        for (const secret of secrets) expect(where.includes(secret) ? secret : null).toBeNull();
        expect(where).not.toMatch(SEALED);
      }
      expect(errors.length).toBeGreaterThanOrEqual(5);
    } finally {
      await stopProcess(worker);
      await sandbox.close();
    }
  }, 240_000);
});
