import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiTestApp, startApiTestApp } from './api-test-app';

/** A stand-in CRM host that records every request (headers and body) and refuses it. */
interface Receiver {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const seen: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString('utf8')}`);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","message":"nope"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Pointing a connection at another host must not carry its stored credentials there: the change
 * must bring them again (400 naming the missing ones), and a test of the connection afterwards
 * reaches the new host only with the new credentials.
 */
describe('changing where a connection points', () => {
  let api: ApiTestApp;
  let first: Receiver;
  let second: Receiver;
  beforeAll(async () => {
    [api, first, second] = await Promise.all([startApiTestApp(), startReceiver(), startReceiver()]);
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([first?.close(), second?.close()]);
  });

  const admin = () => api.auth('admin');
  const fieldsOf = (body: { details: Array<{ field: string }> }) => body.details.map((d) => d.field).sort();

  it('HubSpot: a new basePath requires the access token again; the old token never reaches the new host', async () => {
    const OLD = 'pat-old-token-0123456789';
    const NEW = 'pat-new-token-9876543210';
    const created = await api.http
      .post('/v1/connections')
      .set(admin())
      .send({ kind: 'hubspot', name: 'hs', accessToken: OLD, basePath: first.url, settings: { syncIntervalSeconds: 0 } });
    expect(created.status).toBe(201);
    const id = created.body.id;

    const moved = await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ basePath: second.url });
    expect(moved.status).toBe(400);
    expect(moved.body.code).toBe('CREDENTIALS_REQUIRED');
    expect(fieldsOf(moved.body)).toEqual(['accessToken']);

    await api.http.post(`/v1/connections/${id}/test`).set(admin()).expect(200);
    expect(first.seen.join('\n')).toContain(OLD);
    expect(second.seen).toEqual([]);

    // The same host written differently is no move; a name change needs no credentials.
    await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ basePath: `${first.url}/`, name: 'renamed' }).expect(200);

    await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ basePath: second.url, accessToken: NEW }).expect(200);
    await api.http.post(`/v1/connections/${id}/test`).set(admin()).expect(200);
    expect(second.seen.join('\n')).toContain(NEW);
    expect(second.seen.join('\n')).not.toContain(OLD);
  });

  it('Salesforce: a new loginUrl or instanceUrl requires the client secret and password again', async () => {
    first.seen.length = 0;
    second.seen.length = 0;
    const OLD_SECRET = 'sf-old-client-secret';
    const OLD_PASSWORD = 'sf-old-password-and-token';
    const created = await api.http.post('/v1/connections').set(admin()).send({
      kind: 'salesforce',
      name: 'sf',
      loginUrl: first.url,
      clientId: 'client-id',
      clientSecret: OLD_SECRET,
      username: 'ann@example.com',
      password: OLD_PASSWORD,
      settings: { syncIntervalSeconds: 0 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;

    for (const change of [{ loginUrl: second.url }, { instanceUrl: second.url }, { loginUrl: second.url, clientSecret: 'sf-new-client-secret' }]) {
      const moved = await api.http.patch(`/v1/connections/${id}`).set(admin()).send(change);
      expect(moved.status).toBe(400);
      expect(fieldsOf(moved.body)).toEqual(['clientSecret', 'password'].filter((f) => !(f in change)));
    }

    await api.http.post(`/v1/connections/${id}/test`).set(admin()).expect(200);
    expect(first.seen.join('\n')).toContain(OLD_SECRET);
    expect(second.seen).toEqual([]);

    await api.http
      .patch(`/v1/connections/${id}`)
      .set(admin())
      .send({ loginUrl: second.url, clientSecret: 'sf-new-client-secret', password: 'sf-new-password' })
      .expect(200);
    await api.http.post(`/v1/connections/${id}/test`).set(admin()).expect(200);
    const atSecond = second.seen.join('\n');
    expect(atSecond).toContain('sf-new-client-secret');
    expect(atSecond).not.toContain(OLD_SECRET);
    expect(atSecond).not.toContain(OLD_PASSWORD);
  });
});
