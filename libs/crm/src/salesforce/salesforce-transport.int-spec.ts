import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardedAgents } from '@corridor/destinations';
import { CRM_RULE, DestinationAllowList } from '@corridor/domain';
import { GuardedSalesforceTransport } from './salesforce-transport';

/** Real HTTP servers on loopback: jsforce's redirects through our transport. */
describe('GuardedSalesforceTransport redirects', () => {
  const servers: Server[] = [];
  const seen: Array<{ server: string; url: string; headers: IncomingHttpHeaders }> = [];
  let origin = '';
  let other = '';

  const listen = async (name: string, handler: (url: string, res: import('node:http').ServerResponse) => void): Promise<number> => {
    const server = createServer((req, res) => {
      seen.push({ server: name, url: req.url ?? '', headers: req.headers });
      handler(req.url ?? '', res);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  };

  beforeAll(async () => {
    const otherPort = await listen('other', (_url, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"where":"other"}'));
    const port = await listen('origin', (url, res) => {
      if (url === '/cross') return void res.writeHead(302, { location: `http://localhost:${otherPort}/landed` }).end();
      if (url === '/relative') return void res.writeHead(302, { location: '/landed' }).end();
      if (url === '/cut') {
        // Headers and part of a body promised longer, then the connection is gone.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
        res.write('{"totalSize":3,"done":true,"records":[{"Id":"');
        return void setImmediate(() => res.socket?.destroy());
      }
      if (url === '/busy') {
        return void res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' })
          .end('[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]');
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"where":"origin"}');
    });
    origin = `http://127.0.0.1:${port}`;
    other = `http://localhost:${otherPort}`;
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const transport = () => new GuardedSalesforceTransport(guardedAgents(new DestinationAllowList(['127.0.0.1', 'localhost']), CRM_RULE));

  it('does not carry the session token to another origin', async () => {
    const res = await transport().httpRequest({ method: 'GET', url: `${origin}/cross`, headers: { Authorization: 'Bearer s3cret-session' } }, { followRedirect: true });
    expect(res.statusCode).toBe(200);
    expect(seen.map((s) => s.server)).toEqual(['origin', 'other']);
    expect(seen[0].headers.authorization).toBe('Bearer s3cret-session');
    expect(seen[1].headers.authorization).toBeUndefined();
    expect(other).toContain('localhost');
  });

  it('follows a relative Location on the same origin, keeping the session', async () => {
    const res = await transport().httpRequest({ method: 'GET', url: `${origin}/relative`, headers: { Authorization: 'Bearer s3cret-session' } }, { followRedirect: true });
    expect(res.statusCode).toBe(200);
    expect(seen.map((s) => [s.server, s.url])).toEqual([
      ['origin', '/relative'],
      ['origin', '/landed'],
    ]);
    expect(seen[1].headers.authorization).toBe('Bearer s3cret-session');
  });

  it("keeps the latest answer's status and headers (jsforce's errors drop them: Retry-After is read here)", async () => {
    const t = transport();
    const res = await t.httpRequest({ method: 'GET', url: `${origin}/busy`, headers: {} }, { followRedirect: true });
    expect(res.statusCode).toBe(429);
    expect(t.lastResponse).toMatchObject({ status: 429, headers: { 'retry-after': '7' } });
    await t.httpRequest({ method: 'GET', url: `${origin}/fine`, headers: {} }, { followRedirect: true });
    expect(t.lastResponse).toMatchObject({ status: 200 });
  });

  it('a body cut short fails the request (a network error to retry), leaving no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(transport().httpRequest({ method: 'GET', url: `${origin}/cut`, headers: {} }, { followRedirect: true })).rejects.toMatchObject({
        message: 'aborted',
        code: 'ECONNRESET',
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
