import { ChildProcess } from 'node:child_process';
import { Agent, IncomingMessage, request } from 'node:http';
import { DataSource } from 'typeorm';
import { eventually, freePort, spawnAppProcess, stopProcess } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { importCustomers } from './seed';

jest.setTimeout(400_000);

/** What a client heard for one request: a status (and code), or a connection error. */
interface Outcome {
  key: string;
  status: number | 'connection error';
  code?: string;
  /** Sent before the SIGTERM, answered after it. */
  acrossSignal?: boolean;
}

/** How long the API keeps taking connections after SIGTERM with readiness red (SHUTDOWN_DELAY_SECONDS). */
const DELAY_SECONDS = 3;

/**
 * SIGTERM to an API process in the middle of a burst of single-event requests over keep-alive
 * connections: readiness turns red at once (503 draining) while liveness stays up, it keeps taking
 * connections for SHUTDOWN_DELAY_SECONDS, then stops taking them, writes the groups already queued,
 * answers every request it accepted, and exits. Every event answered 202 is stored exactly once with its outbox row;
 * every other request got 503 or a connection error (never a 500, never a hang), and nothing
 * answered 503 was stored.
 */
describe('API shutdown (SIGTERM) during a burst of single events', () => {
  let api: ApiTestApp;
  let proc: ChildProcess;
  let db: DataSource;
  let port: number;

  beforeAll(async () => {
    api = await startApiTestApp();
    db = await new DataSource({ type: 'postgres', url: api.ctx.databaseUrl }).initialize();
    await importCustomers(api, [{ id: 'drain-1', attributes: { email: 'drain@x.io' } }]);
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('visit', 'Visit', 'explore', 'web', 1)`);
    port = await freePort();
    proc = spawnAppProcess('apps/api/src/main.ts', { ...api.ctx.env, PORT: String(port), RATE_LIMIT_INTEGRATION: '0', SHUTDOWN_DELAY_SECONDS: String(DELAY_SECONDS) });
    // Any answer will do (health may say a worker is missing): the process is listening.
    await eventually(async () => (await probe(port, '/health')).status !== 0, 'the API process to answer', 240_000, 250);
  });
  afterAll(async () => {
    if (proc) await stopProcess(proc, 'SIGKILL');
    await db?.destroy();
    await api?.close();
  });

  it('turns readiness red at once, answers every accepted request, stores each 202 exactly once, refuses the rest with 503 or a closed connection, and exits', async () => {
    const auth = api.auth('integration').Authorization;
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const outcomes: Outcome[] = [];
    let signalled = false;
    let stop = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );

    // 16 senders, each a loop of single-event requests on a keep-alive connection, until the API refuses connections.
    const sender = async (s: number) => {
      for (let n = 0; !stop; n++) {
        const key = `drain-${s}-${n}`;
        const before = signalled;
        const outcome = await postEvent(agent, port, auth, key);
        outcomes.push({ key, ...outcome, acrossSignal: !before && signalled });
        if (outcome.status === 'connection error' && signalled) return;
      }
    };
    const senders = Array.from({ length: 16 }, (_, s) => sender(s));

    // Mid-burst: once the API has acknowledged a good number of events.
    await eventually(async () => outcomes.filter((o) => o.status === 202).length >= 300, '300 events acknowledged', 120_000, 10);
    // Requests the API has accepted but not yet read in full: headers and half the body sent before the
    // signal, the rest after it. Each must be answered 202 and stored, not cut off by the shutdown.
    const halfSent = [0, 1, 2, 3].map((n) => postInTwoHalves(port, auth, `drain-late-${n}`));
    await Promise.all(halfSent.map((h) => h.firstHalfSent));
    // Not draining before the signal (ready may be 503 UNHEALTHY: this test runs no worker).
    const readyBefore = await probe(port, '/health/ready');
    expect(readyBefore.status).not.toBe(0);
    expect(readyBefore.body).not.toMatchObject({ status: 'draining' });
    expect(await probe(port, '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const signalledAt = Date.now();
    signalled = true;
    proc.kill('SIGTERM');
    // What a load balancer's probes see, on new connections, from the signal until the listener closes.
    const probes = watchHealth(port);
    // Well into the shutdown (not a timing the API must meet: it waits for these up to its drain period).
    await new Promise((r) => setTimeout(r, 1_000));
    for (const h of halfSent) h.sendRest();
    const late = await Promise.all(halfSent.map((h) => h.outcome));

    let bound: NodeJS.Timeout | undefined;
    const exit = await Promise.race([exited, new Promise<null>((r) => (bound = setTimeout(() => r(null), 60_000)))]);
    clearTimeout(bound);
    stop = true;
    await Promise.all(senders);
    agent.destroy();

    expect(exit).not.toBeNull();

    // Readiness and /health answered 503 draining from (almost) the signal on, on connections taken
    // for the delay; liveness answered 200 throughout; no probe saw anything else before the close.
    const seen = await probes;
    const firstDraining = seen.find((p) => p.path === '/health/ready' && p.status === 503 && (p.body as { status?: string }).status === 'draining');
    expect(firstDraining).toBeDefined();
    expect(firstDraining!.at - signalledAt).toBeLessThan(1_000);
    // Rounds after the first draining answer (a probe of that same round may have been read just before the signal).
    const answered = seen.filter((p) => p.status !== 0 && p.at > firstDraining!.at);
    expect(answered.filter((p) => p.path === '/health/live').length).toBeGreaterThan(0);
    for (const p of answered) {
      if (p.path === '/health/live') expect(p).toMatchObject({ status: 200, body: { status: 'ok' } });
      else expect(p).toMatchObject({ status: 503, body: { status: 'draining', code: 'DRAINING', message: expect.any(String), details: [] } });
    }
    // Probes kept being answered for about the delay, then the listener closed.
    const lastAnswered = Math.max(...answered.map((p) => p.at));
    expect(lastAnswered - signalledAt).toBeGreaterThan(DELAY_SECONDS * 1000 - 1_000);
    expect(seen.some((p) => p.status === 0 && p.at > lastAnswered)).toBe(true);

    expect(late).toEqual(late.map(() => ({ status: 202, code: undefined })));
    for (const [n, o] of late.entries()) outcomes.push({ key: `drain-late-${n}`, ...o });

    // Only 202, 503 or a connection error.
    const kinds = new Set(outcomes.map((o) => (o.status === 202 ? '202' : o.status === 503 ? `503 ${o.code}` : String(o.status))));
    for (const kind of kinds) expect(['202', '503 SHUTTING_DOWN', '503 EVENT_WRITE_TIMEOUT', '503 DATABASE_UNAVAILABLE', 'connection error']).toContain(kind);

    const stored: Array<{ key: string; n: number; outbox: number }> = await db.query(
      `SELECT e.idempotency_key AS key, count(*)::int AS n,
              (SELECT count(*) FROM outbox o WHERE o.topic = 'decide-event' AND o.ref = min(e.id)::text)::int AS outbox
         FROM touchpoint_events e WHERE e.idempotency_key LIKE 'drain-%' GROUP BY e.idempotency_key`,
    );
    const byKey = new Map(stored.map((r) => [r.key, r]));
    const acknowledged = outcomes.filter((o) => o.status === 202);
    // Every 202 is stored, once, with its outbox row (its decision's job).
    const missing = acknowledged.filter((o) => byKey.get(o.key)?.n !== 1 || byKey.get(o.key)?.outbox !== 1);
    expect(missing).toEqual([]);
    // Nothing refused with 503 was stored.
    expect(outcomes.filter((o) => o.status === 503 && byKey.has(o.key))).toEqual([]);
    // Nothing stored that no request sent.
    const sent = new Set(outcomes.map((o) => o.key));
    expect(stored.filter((r) => !sent.has(r.key))).toEqual([]);

    // Exits by itself, cleanly (not killed by the signal), within the bound (the drain period is 20 s; it needs far less here).
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit!.at - signalledAt).toBeLessThan(30_000);

    // What the drain looked like (for the log; timings vary too much on a shared machine to assert on).
    const across = outcomes.filter((o) => o.acrossSignal);
    console.log(
      JSON.stringify({
        requests: outcomes.length,
        acknowledged: acknowledged.length,
        inFlightAtSignal: across.length,
        inFlightAnswered202: across.filter((o) => o.status === 202).length,
        firstDrainingMs: firstDraining!.at - signalledAt,
        lastProbeAnsweredMs: lastAnswered - signalledAt,
        kinds: [...kinds],
        exitMs: exit!.at - signalledAt,
      }),
    );
  });
});

interface Probe {
  path: string;
  /** 0: the connection was refused or dropped. */
  status: number;
  body?: unknown;
}

/** A GET on a connection of its own, as a load balancer's health check makes it. */
async function probe(port: number, path: string): Promise<Probe> {
  return new Promise((resolve) => {
    const req = request({ agent: false, host: '127.0.0.1', port, path, method: 'GET', timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        resolve({ path, status: res.statusCode ?? 0, body });
      });
      res.on('error', () => resolve({ path, status: 0 }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ path, status: 0 }));
    req.end();
  });
}

/** Probes readiness, /health and liveness every 100 ms until three probes in a row find no listener (bounded). */
async function watchHealth(port: number): Promise<Array<Probe & { at: number }>> {
  const seen: Array<Probe & { at: number }> = [];
  const until = Date.now() + 40_000;
  for (let refusedInARow = 0; refusedInARow < 3 && Date.now() < until; ) {
    const round = await Promise.all(['/health/ready', '/health/live', '/health'].map((path) => probe(port, path)));
    const at = Date.now();
    seen.push(...round.map((p) => ({ ...p, at })));
    refusedInARow = round.every((p) => p.status === 0) ? refusedInARow + 1 : 0;
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

function postEvent(agent: Agent, port: number, authorization: string, key: string): Promise<Omit<Outcome, 'key'>> {
  const body = eventBody(key);
  return new Promise((resolve) => {
    const req = request(
      { agent, host: '127.0.0.1', port, path: '/v1/events', method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json', 'Content-Length': body.length } },
      (res) => readOutcome(res, resolve),
    );
    req.on('error', () => resolve({ status: 'connection error' }));
    req.end(body);
  });
}

/** A single-event POST whose body goes out in two writes: `sendRest` sends the second. */
function postInTwoHalves(port: number, authorization: string, key: string): { firstHalfSent: Promise<void>; sendRest(): void; outcome: Promise<Omit<Outcome, 'key'>> } {
  const body = eventBody(key);
  const half = Math.floor(body.length / 2);
  // A connection of its own (agent: false): a pooled keep-alive socket is already connected, and would never emit 'connect'.
  const req = request({ agent: false, host: '127.0.0.1', port, path: '/v1/events', method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json', 'Content-Length': body.length } });
  const outcome = new Promise<Omit<Outcome, 'key'>>((resolve) => {
    req.on('response', (res) => readOutcome(res, resolve));
    req.on('error', () => resolve({ status: 'connection error' }));
  });
  req.flushHeaders();
  // Written once the connection is up, so the API has the request (headers and half the body) before the signal.
  const firstHalfSent = new Promise<void>((resolve) =>
    req.once('socket', (socket) => {
      const writeHalf = () => req.write(body.subarray(0, half), () => setTimeout(resolve, 200));
      if (socket.connecting) socket.once('connect', writeHalf);
      else writeHalf();
    }),
  );
  return { firstHalfSent, sendRest: () => req.end(body.subarray(half)), outcome };
}

function eventBody(key: string): Buffer {
  return Buffer.from(JSON.stringify({ touchpoint: 'visit', customer: 'email:drain@x.io', idempotencyKey: key }));
}

/** The status and error code of an answer (no code when the body is not JSON); a connection error if it breaks off. */
function readOutcome(res: IncomingMessage, resolve: (outcome: Omit<Outcome, 'key'>) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => {
    let code: string | undefined;
    try {
      code = JSON.parse(Buffer.concat(chunks).toString('utf8')).code;
    } catch {
      code = undefined;
    }
    resolve({ status: res.statusCode ?? 0, code });
  });
  res.on('error', () => resolve({ status: 'connection error' }));
}
