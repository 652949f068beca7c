import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRM_RULE, DestinationAllowList } from '@corridor/domain';
import { destinationAddressProblem } from './destination-address.resolver';
import { guardedAgents, guardedLookup, ResolveAll } from './guarded-lookup';

const none = new DestinationAllowList([]);

/** A resolver that answers from a table, in turn (the second answer for a name may differ: rebinding). */
function fakeDns(table: Record<string, string[]>): ResolveAll {
  const calls = new Map<string, number>();
  return (host, _options, callback) => {
    const answers = table[host];
    if (!answers) return callback(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
    const n = calls.get(host) ?? 0;
    calls.set(host, n + 1);
    const address = answers[Math.min(n, answers.length - 1)];
    callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  };
}

function lookupOnce(lookup: ReturnType<typeof guardedLookup>, host: string): Promise<string> {
  return new Promise((resolve, reject) =>
    (lookup as unknown as (h: string, o: object, cb: (e: Error | null, a?: string) => void) => void)(host, {}, (e, a) => (e ? reject(e) : resolve(a!))),
  );
}

describe('SSRF: addresses that resolve inside are refused', () => {
  it('refuses URLs whose host, written any way, is loopback, private or link-local', async () => {
    const inside = [
      'http://localhost/h',
      'http://2130706433/h', // 127.0.0.1 as one number
      'http://0x7f000001/h', // … in hex
      'http://0177.0.0.1/h', // … in octal
      'http://127.1/h',
      'http://[::1]/h',
      'http://[::ffff:127.0.0.1]/h', // IPv4-mapped IPv6
      'http://[::ffff:a9fe:a9fe]/h', // 169.254.169.254, mapped and in hex
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/h',
      'http://172.16.5.4/h',
      'http://172.31.255.255/h',
      'http://192.168.1.1/h',
      'http://[fc00::1]/h',
      'http://[fd12:3456::1]/h',
      'http://[fe80::1]/h',
      'http://0.0.0.0/h',
    ];
    for (const url of inside) {
      expect({ url, refusal: (await destinationAddressProblem(url, none))?.code }).toEqual({ url, refusal: 'DESTINATION_ADDRESS_REFUSED' });
    }
    expect(await destinationAddressProblem('http://93.184.216.34/h', none)).toBeNull();
    expect(await destinationAddressProblem('http://172.32.0.1/h', none)).toBeNull(); // just outside 172.16/12
  });

  describe('at connect time (DNS rebinding)', () => {
    let server: http.Server;
    let port: number;
    let received = 0;
    beforeAll(async () => {
      server = http.createServer((_req, res) => {
        received++;
        res.end('ok');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const get = (host: string, allow: DestinationAllowList, dns: ResolveAll) =>
      new Promise<{ status?: number; code?: string }>((resolve) => {
        const agent = new http.Agent({ lookup: guardedLookup(allow, dns) });
        http
          .get({ host, port, path: '/', agent }, (res) => {
            res.resume();
            resolve({ status: res.statusCode });
          })
          .on('error', (e: NodeJS.ErrnoException) => resolve({ code: e.code }));
      });

    it('refuses to connect when the name resolves inside, whatever it said before', async () => {
      const dns = fakeDns({ 'hooks.example': ['127.0.0.1'], 'mapped.example': ['::ffff:127.0.0.1'], 'meta.example': ['169.254.169.254'], 'v6.example': ['fe80::1'] });
      for (const host of ['hooks.example', 'mapped.example', 'meta.example', 'v6.example']) {
        expect({ host, ...(await get(host, none, dns)) }).toEqual({ host, code: 'DESTINATION_ADDRESS_REFUSED' });
      }
      expect(received).toBe(0);

      // Public for the check, loopback for the connection: the second answer is refused.
      const rebinding = guardedLookup(none, fakeDns({ 'rebind.example': ['93.184.216.34', '127.0.0.1'] }));
      await expect(lookupOnce(rebinding, 'rebind.example')).resolves.toBe('93.184.216.34');
      await expect(lookupOnce(rebinding, 'rebind.example')).rejects.toMatchObject({ code: 'DESTINATION_ADDRESS_REFUSED' });
    });

    it('connects when DESTINATION_ALLOWED_HOSTS covers the address or names the host', async () => {
      const dns = fakeDns({ 'hooks.internal': ['127.0.0.1'] });
      expect(await get('hooks.internal', new DestinationAllowList(['127.0.0.1']), dns)).toEqual({ status: 200 });
      expect(await get('hooks.internal', new DestinationAllowList(['hooks.internal']), dns)).toEqual({ status: 200 });
      expect(received).toBe(2);
    });

    it('guardedAgents (the CRM clients\' agents) check IP literals too, which Node connects to without a lookup', async () => {
      const before = received;
      const agents = guardedAgents(new DestinationAllowList(['127.0.0.2']), CRM_RULE, fakeDns({ 'crm.example': ['127.0.0.1'] }));
      const via = (host: string) =>
        new Promise<{ status?: number; code?: string; message?: string }>((resolve) => {
          http
            .get({ host, port, path: '/', agent: agents.http }, (res) => {
              res.resume();
              resolve({ status: res.statusCode });
            })
            .on('error', (e: NodeJS.ErrnoException) => resolve({ code: e.code, message: e.message }));
        });
      const literal = await via('127.0.0.1');
      expect(literal).toMatchObject({ code: 'CRM_ADDRESS_REFUSED' });
      expect(literal.message).toContain('CRM_ALLOWED_HOSTS');
      // A name that resolves to loopback when the agent connects (whatever it answered when saved).
      expect(await via('crm.example')).toMatchObject({ code: 'CRM_ADDRESS_REFUSED' });
      expect(received).toBe(before);
      agents.http.destroy();
      agents.https.destroy();
    });
  });
});
