import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What a test receiver saw: every request, with whether its Standard Webhooks signature verified. */
export interface Received {
  path: string;
  webhookId: string;
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
  at: number;
}

export type Answer = { status: number; headers?: Record<string, string>; hangMs?: number };

/**
 * A local webhook receiver on 127.0.0.1 that verifies every signature with the off-the-shelf
 * `standardwebhooks` library (`new Webhook(secret).verify(body, headers)`), and answers each path
 * from a script (one answer per request, the last one repeating).
 */
export async function startReceiver(secret: string) {
  const received: Received[] = [];
  const scripts = new Map<string, Answer[]>();
  const verifier = new Webhook(secret);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      try {
        verifier.verify(body, req.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
      const path = req.url ?? '/';
      const seen = received.filter((r) => r.path === path).length;
      received.push({ path, webhookId: String(req.headers['webhook-id']), headers: req.headers, body, verified, at: Date.now() });
      const script = scripts.get(path) ?? [{ status: 200 }];
      const answer = script[Math.min(seen, script.length - 1)];
      const reply = () => {
        if (!res.writableEnded && !res.destroyed) res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) }).end('{}');
      };
      if (answer.hangMs) setTimeout(reply, answer.hangMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    on(path: string, answers: Answer[]) {
      scripts.set(path, answers);
    },
    at(path: string) {
      return received.filter((r) => r.path === path);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
