import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionRepository } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from './api-test-app';

/** A stand-in host on `address` that records every request and answers with `answer`. */
async function startHost(address: string, answer: (url: string) => unknown = () => ({})): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(req.url ?? '')));
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  return {
    url: `http://${address}:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * SSRF on CRM connections: base, login and instance URLs that resolve to loopback, private or
 * link-local addresses are refused when saved (400 naming the field) unless CRM_ALLOWED_HOSTS
 * admits them, and the CRM clients refuse such addresses again when they connect: a connection
 * stored earlier, or an instance URL a login server answers with, never reaches an internal host.
 * Only 127.0.0.1 is allowed here; the forbidden "internal" hosts are other loopback addresses.
 */
describe('CRM URLs and internal addresses (SSRF)', () => {
  let api: ApiTestApp;
  let internal: Awaited<ReturnType<typeof startHost>>;
  let login: Awaited<ReturnType<typeof startHost>>;
  beforeAll(async () => {
    api = await startApiTestApp({ env: { CRM_ALLOWED_HOSTS: '127.0.0.1' } });
    internal = await startHost('127.0.0.2');
    // A login server (allowed) that sends the session to an internal instance.
    login = await startHost('127.0.0.1', () => ({ access_token: 'session-token', instance_url: internal.url, token_type: 'Bearer' }));
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await Promise.all([internal?.close(), login?.close()]);
  });

  const admin = () => api.auth('admin');

  it('refuses internal base, login and instance URLs when a connection is created or moved, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'hubspot', name: 'hs', accessToken: 'pat-na1-0123456789abcdef', basePath: internal.url }, 'basePath'],
      [{ kind: 'salesforce', name: 'sf', clientId: 'id', clientSecret: 'secret', loginUrl: 'http://169.254.169.254' }, 'loginUrl'],
      [{ kind: 'salesforce', name: 'sf', clientId: 'id', clientSecret: 'secret', loginUrl: login.url, instanceUrl: 'http://[::ffff:10.0.0.1]' }, 'instanceUrl'],
      [{ kind: 'salesforce', name: 'sf', clientId: 'id', clientSecret: 'secret', loginUrl: 'http://192.168.1.1' }, 'loginUrl'],
    ];
    for (const [body, field] of cases) {
      const res = await api.http.post('/v1/connections').set(admin()).send({ ...body, settings: { syncIntervalSeconds: 0 } });
      expect({ field, status: res.status, code: res.body.code, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({
        field,
        status: 400,
        code: 'CRM_ADDRESS_REFUSED',
        fields: [field],
      });
      expect(res.body.details[0].message).toContain('CRM_ALLOWED_HOSTS');
    }
    expect((await api.http.get('/v1/connections').set(admin())).body.items).toHaveLength(0);

    const hs = await api.http
      .post('/v1/connections')
      .set(admin())
      .send({ kind: 'hubspot', name: 'hs', accessToken: 'pat-na1-0123456789abcdef', basePath: login.url, settings: { syncIntervalSeconds: 0 } });
    expect(hs.status).toBe(201);
    const moved = await api.http.patch(`/v1/connections/${hs.body.id}`).set(admin()).send({ basePath: internal.url, accessToken: 'pat-na1-fedcba9876543210' });
    expect(moved.status).toBe(400);
    expect(moved.body).toMatchObject({ code: 'CRM_ADDRESS_REFUSED', details: [{ field: 'basePath' }] });
    expect(internal.seen).toEqual([]);
  }, 60_000);

  it('refuses at connect time: a connection stored pointing inside, and an instance URL a login answers with', async () => {
    // Stored before the rules applied (or DNS changed since): the client still refuses to connect.
    const stored = await api.app.get(ConnectionRepository).create({
      kind: 'hubspot',
      name: 'old',
      settings: { basePath: internal.url, syncIntervalSeconds: 0 },
      credentials: { kind: 'hubspot', accessToken: 'pat-na1-old0123456789' },
    });
    const tested = await api.http.post(`/v1/connections/${stored.id}/test`).set(admin());
    expect(tested.status).toBe(200);
    expect(tested.body.ok).toBe(false);
    expect(tested.body.checks).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'failed', code: 'CRM_ADDRESS_REFUSED' })]));

    // The login URL is allowed; the instance URL it answers with is not: no request reaches it.
    const sf = await api.http
      .post('/v1/connections')
      .set(admin())
      .send({ kind: 'salesforce', name: 'sf', loginUrl: login.url, clientId: 'id', clientSecret: 'secret', settings: { syncIntervalSeconds: 0 } });
    expect(sf.status).toBe(201);
    const sfTest = await api.http.post(`/v1/connections/${sf.body.id}/test`).set(admin());
    expect(login.seen.some((r) => r.startsWith('POST /services/oauth2/token'))).toBe(true);
    expect(sfTest.body.ok).toBe(false);
    expect(sfTest.body.checks).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'failed', code: 'CRM_ADDRESS_REFUSED' })]));
    expect(internal.seen).toEqual([]);
  }, 60_000);
});
