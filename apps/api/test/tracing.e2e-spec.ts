import { ChildProcess } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { eventually, freePort, spawnAppProcess, spawnWorkerProcess, stopProcess } from '@corridor/testing';
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

  beforeAll(async () => {
    api = await startApiTestApp();
    receiver = await otlpReceiver();
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    const port = await freePort();
    apiProc = spawnAppProcess('apps/api/src/main.ts', { ...api.ctx.env, ...otel, PORT: String(port) });
    worker = spawnWorkerProcess({ ...api.ctx.env, ...otel });
    http = supertest.agent(`http://127.0.0.1:${port}`);
    await eventually(async () => (await http.get('/health').catch(() => ({ status: 0 }))).status === 200, 'the API process to answer', 180_000, 250);
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    if (apiProc) await stopProcess(apiProc);
    receiver?.server.close();
    await api?.close();
  });

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
});
