import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/**
 * `POST /v1/connections/:id/test` of a Salesforce connection when the CRM is away: a closed port, or
 * an instance that logs in and reads but never answers Task's describe (the `task_key_field` check).
 * The answer comes within bounded time (CRM_CALL_TIMEOUT_MS stays at its production 60 s) as a 200
 * with the check that could not be made named and failed, not a 500 and not a hang.
 */
describe('the Salesforce connection test with the CRM away', () => {
  let api: ApiTestApp;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  /** In front of the sandbox's instance: passes every request on, except Task's describe, which it accepts and never answers. */
  let instance: Server;
  let instanceUrl: string;
  let hung = 0;

  beforeAll(async () => {
    let target = '';
    instance = createServer((req, res) => {
      if (/\/sobjects\/Task\/describe/.test(req.url ?? '')) {
        hung++;
        return; // accepted, never answered
      }
      const upstream = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => instance.listen(0, '127.0.0.1', r));
    instanceUrl = `http://127.0.0.1:${(instance.address() as AddressInfo).port}`;
    sandbox = await startCrmSandbox({ port: 0, salesforce: { contacts: 5, leads: 0, instanceUrl } } as never);
    target = sandbox.url;
    api = await startApiTestApp();
  });
  afterAll(async () => {
    await api?.close();
    await sandbox?.close();
    instance?.closeAllConnections();
    await new Promise((r) => instance?.close(r));
  });

  const salesforce = (loginUrl: string) => ({
    kind: 'salesforce',
    name: `SF ${loginUrl}`,
    loginUrl,
    clientId: 'sandbox-salesforce-client-id',
    clientSecret: 'sandbox-salesforce-client-secret',
    username: 'integration@corridor.sandbox',
    password: 'sandbox-password',
    settings: { syncIntervalSeconds: 0 },
  });

  async function timedTest(id: string) {
    const started = Date.now();
    const res = await api.http.post(`/v1/connections/${id}/test`).set(api.auth('admin'));
    return { res, ms: Date.now() - started };
  }

  it('a hang in the middle of the describes: answered within 20 s, the Task check failed as unreachable, the others kept', async () => {
    const { body: connection } = await api.http.post('/v1/connections').set(api.auth('admin')).send(salesforce(sandbox.url)).expect(201);
    hung = 0;
    const { res, ms } = await timedTest(connection.id);
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(20_000);
    expect(hung).toBeGreaterThan(0);
    expect(res.body.ok).toBe(false);
    const byCheck = Object.fromEntries(res.body.checks.map((c: { check: string }) => [c.check, c]));
    expect(byCheck.auth).toMatchObject({ status: 'ok' });
    expect(byCheck.read_scope).toMatchObject({ status: 'ok' });
    expect(byCheck.writeback_fields).toMatchObject({ status: 'ok' });
    expect(byCheck.task_key_field).toMatchObject({ status: 'failed', code: 'CRM_UNAVAILABLE' });
    expect(byCheck.task_key_field.message).toMatch(/Task/);
    expect(byCheck.task_key_field.message).toMatch(/did not answer|no complete answer|within/);
  });

  it('the CRM gone (a closed port): answered at once, the instance check failed', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const { body: connection } = await api.http.post('/v1/connections').set(api.auth('admin')).send(salesforce(url)).expect(201);
    const { res, ms } = await timedTest(connection.id);
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(5_000);
    expect(res.body).toMatchObject({ ok: false, checks: [{ check: 'instance', status: 'failed', code: 'CRM_UNAVAILABLE' }] });
  });
});
