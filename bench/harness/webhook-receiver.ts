import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';

/** The receiver: every request's signature verified; arrivals per (phase, seq) with their time. */
export async function startReceiver(secret: string) {
  const verifier = new Webhook(secret);
  const seen = new Map<string, number[]>(); // `${phase}:${seq}` → arrival times
  const stats = { received: 0, verified: 0, refused: 0, webhookIds: new Set<string>(), repeatedIds: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      stats.received++;
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/bare') {
        const { seq } = JSON.parse(body);
        const k = `bare:${seq}`;
        seen.set(k, [...(seen.get(k) ?? []), at]);
        return void res.writeHead(204).end();
      }
      try {
        const payload = verifier.verify(body, req.headers as Record<string, string>) as { phase: string; seq: number };
        stats.verified++;
        const id = String(req.headers['webhook-id']);
        if (stats.webhookIds.has(id)) stats.repeatedIds++;
        stats.webhookIds.add(id);
        const k = `${payload.phase}:${payload.seq}`;
        seen.set(k, [...(seen.get(k) ?? []), at]);
        res.writeHead(204).end();
      } catch {
        stats.refused++;
        res.writeHead(401).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const count = (phase: string) => [...seen.keys()].filter((k) => k.startsWith(`${phase}:`)).length;
  const extra = (phase: string) => [...seen].filter(([k]) => k.startsWith(`${phase}:`)).reduce((s, [, v]) => s + v.length - 1, 0);
  return { url: `http://127.0.0.1:${port}`, seen, stats, count, extra, close: () => new Promise<void>((r) => server.close(() => r())) };
}
