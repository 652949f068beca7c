import { ChildProcess } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import supertest from 'supertest';
import { eventually, freePort, spawnAppProcess, spawnWorkerProcess, stopProcess } from '@corridor/testing';
import { newWebhookSecret, startReceiver } from '../../worker/test/dispatch-support';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(400_000);

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

/** A stand-in OTLP/HTTP collector: keeps every span POSTed (JSON) to /v1/traces. */
async function otlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue;
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ service, name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, an api process and a worker process export spans over
 * OTLP/HTTP; the request's span and the spans of the jobs it enqueued (and of the jobs those
 * enqueued) share one trace id.
 */
describe('OpenTelemetry traces from request to jobs', () => {
  let api: ApiTestApp;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let apiProc: ChildProcess;
  let worker: ChildProcess;
  let http: supertest.Agent;
  let hooks: Awaited<ReturnType<typeof startReceiver>>;
  const secret = newWebhookSecret();
  const settings = { DESTINATION_ALLOWED_HOSTS: '127.0.0.1' };

  beforeAll(async () => {
    hooks = await startReceiver(secret);
    api = await startApiTestApp({ env: settings });
    receiver = await otlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    const port = await freePort();
    apiProc = spawnAppProcess('apps/api/src/main.ts', { ...api.ctx.env, ...settings, ...otel, PORT: String(port) });
    worker = spawnWorkerProcess({ ...api.ctx.env, ...settings, ...otel });
    http = supertest.agent(`http://127.0.0.1:${port}`);
    await eventually(async () => (await http.get('/health').catch(() => ({ status: 0 }))).status === 200, 'the API process to answer', 180_000, 250);
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    if (apiProc) await stopProcess(apiProc);
    receiver?.server.close();
    await api?.close();
    await hooks?.close();
  });

  /** What the spans of one trace were, for a failure message. */
  const seen = (traceId: string) => [...new Set(receiver.spans.map((s) => `${s.service} ${s.name} ${s.traceId === traceId ? 'same trace' : s.traceId}`))].join('\n');

  it("a request's span and its jobs' spans in the worker share a trace id", async () => {
    const res = await http.post('/v1/segmentation/refresh').set(api.auth('admin'));
    expect(res.status).toBe(202);
    const request = await eventually(
      async () => receiver.spans.find((s) => s.service === 'corridor-api' && s.name === 'POST /v1/segmentation/refresh'),
      "the api's request span",
      60_000,
      200,
    );
    const inWorker = await eventually(async () => {
      const spans = receiver.spans.filter((s) => s.service === 'corridor-worker' && s.traceId === request.traceId);
      // BullMQ names a worker's span `process <queue>`: the run's chunk and go-live jobs.
      return spans.some((s) => s.name === 'process segmentation') && spans;
    }, "the worker's spans for the run's jobs, in the request's trace", 90_000, 200).catch((e: Error) => {
      const seen = receiver.spans.map((s) => `${s.service} ${s.name} ${s.traceId === request.traceId ? 'same trace' : s.traceId}`);
      throw new Error(`${e.message}; spans seen:\n${[...new Set(seen)].join('\n')}`);
    });
    // Enqueued under the request's span (in the api), processed in the worker under that trace.
    const enqueued = receiver.spans.filter((s) => s.service === 'corridor-api' && s.traceId === request.traceId && s.spanId !== request.spanId);
    expect(enqueued.length).toBeGreaterThan(0);
    expect(inWorker.every((s) => s.traceId === request.traceId)).toBe(true);
    // Other traffic (health checks) is in traces of its own.
    const health = receiver.spans.find((s) => s.name === 'GET /health');
    expect(health?.traceId).not.toBe(request.traceId);
  });

  it("an event's trace goes on through the outbox: POST /v1/events → relay → decide → dispatch → the webhook delivery, one trace id", async () => {
    const admin = api.auth('admin');
    const destination = await api.http.post('/v1/destinations').set(admin).send({ name: 'Traced hooks', url: hooks.url('/traced'), secret, timeoutMs: 5000 }).expect(201);
    await api.http.post('/v1/touchpoints').set(admin).send({ key: 'checkout', name: 'Checkout', stageKey: 'purchase', channel: 'web' }).expect(201);
    await api.http
      .post('/v1/treatments')
      .set(admin)
      .send({ key: 'thank_you', name: 'Thank you', type: 'webhook', channel: 'email', config: { destinationId: destination.body.id, payloadTemplate: { to: '{{customer.email}}' } } })
      .expect(201);
    await api.http.post('/v1/customers/import').set(api.auth('integration')).set('Content-Type', 'application/x-ndjson').send(`${JSON.stringify({ id: 'traced-1', attributes: { email: 'traced@shop.test' } })}\n`).expect(200);
    // Everyone is in the fallback persona: its cell treats every customer (no holdout).
    const fallback = (await api.http.get('/v1/personas').set(admin).expect(200)).body.personas.find((p: { isFallback: boolean }) => p.isFallback).key;
    await api.http
      .put('/v1/strategy/draft')
      .set(admin)
      .send({ cells: [{ personaKey: fallback, touchpointKey: 'checkout', options: [{ treatmentKey: 'thank_you' }] }], policies: { holdoutPercent: 0, consent: [], quietHours: null } })
      .expect(200);
    await api.http.post('/v1/strategy/publish').set(admin).send({}).expect(201);

    // One event per request: it goes through a group commit, which must keep this request's trace.
    const res = await http.post('/v1/events').set(api.auth('integration')).send({ touchpoint: 'checkout', customer: 'import:traced-1', idempotencyKey: 'traced-order-1' });
    expect(res.status).toBe(202);
    const request = await eventually(async () => receiver.spans.find((s) => s.service === 'corridor-api' && s.name === 'POST /v1/events'), 'the events request span', 60_000, 200);
    const delivered = await eventually(async () => hooks.at('/traced')[0], 'the webhook', 120_000, 200);
    const spans = await eventually(
      async () => {
        const inTrace = receiver.spans.filter((s) => s.traceId === request.traceId && s.service === 'corridor-worker');
        const names = new Set(inTrace.map((s) => s.name));
        return ['outbox relay', 'process touchpoint-events', 'process treatment-dispatch', 'webhook POST'].every((n) => names.has(n)) && inTrace;
      },
      "the relay's, decide's, dispatch's and the delivery's spans in the request's trace",
      90_000,
      200,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; spans seen:\n${seen(request.traceId)}`);
    });
    // The delivery span is a child in that trace, and the receiver got its context.
    const webhook = spans.find((s) => s.name === 'webhook POST')!;
    expect(webhook.parentSpanId).toBeDefined();
    expect(String(delivered.headers.traceparent)).toMatch(new RegExp(`^00-${request.traceId}-${webhook.spanId}-0[01]$`));

    // The lean path (a key verified within the last second: the next events) makes the same span,
    // continuing the caller's trace, and its event's outbox row carries it on.
    const leanAnswered = async () => Number(/^corridor_events_lean_path_requests_total\{[^}]*\} (\d+)/m.exec((await http.get('/metrics')).text)?.[1] ?? 0);
    let traceId: string | undefined;
    let eventId: string | undefined;
    for (let i = 0; i < 5 && !traceId; i++) {
      const before = await leanAnswered();
      const id = `${'ab'.repeat(15)}${String(i).padStart(2, '0')}`;
      const sent = await http
        .post('/v1/events')
        .set(api.auth('integration'))
        .set('traceparent', `00-${id}-${'cd'.repeat(8)}-01`)
        .send({ touchpoint: 'checkout', customer: 'import:traced-1', idempotencyKey: `traced-lean-${i}` });
      expect(sent.status).toBe(202);
      if ((await leanAnswered()) > before) [traceId, eventId] = [id, sent.body.results[0].eventId];
    }
    expect(traceId).toBeDefined();
    const leanSpan = await eventually(async () => receiver.spans.find((s) => s.service === 'corridor-api' && s.traceId === traceId), 'the lean request span', 60_000, 200);
    expect(leanSpan.name).toBe('POST /v1/events');
    const db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT traceparent FROM outbox WHERE ref = $1`, [eventId]);
      expect(rows[0]?.traceparent).toMatch(new RegExp(`^00-${traceId}-${leanSpan.spanId}-01$`));
    } finally {
      await db.end();
    }
  });
});
