/**
 * The peer of bench:load, run as its own process like the API: a bare node:http endpoint that
 * parses the JSON body and adds it as a BullMQ job (no validation, no authentication, no database),
 * answering 202 `{"accepted":1}` once Redis has the job. PORT, REDIS_URL and REDIS_PREFIX from the
 * environment.
 */
import { createServer } from 'node:http';
import { Queue } from 'bullmq';
import Redis from 'ioredis';

const port = Number(process.env.PORT);
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const queue = new Queue('bench-bare-ingest', { connection, prefix: process.env.REDIS_PREFIX });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":"INVALID_JSON"}');
    }
    queue.add('event', body, { removeOnComplete: true }).then(
      () => res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1}'),
      () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"QUEUE_UNAVAILABLE"}'),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void queue.close().then(() => connection.quit()).finally(() => process.exit(0))));
