import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DISPATCH_DELIVERY } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { SecretBox } from '@corridor/persistence';
import { eventually, spawnWorkerProcess, stopProcess } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { newWebhookSecret, startReceiver } from './dispatch-support';

jest.setTimeout(240_000);

/**
 * Signed webhook treatments through the real path: delivery rows as the decide step writes them,
 * DISPATCH_DELIVERY jobs on BullMQ, two real worker processes, a local receiver that verifies every
 * signature with `standardwebhooks`, and the dead-letter routes over HTTP.
 */
describe('treatment dispatch (signed webhooks)', () => {
  let api: ApiTestApp;
  let db: Pool;
  let workers: ChildProcess[] = [];
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = newWebhookSecret();
  // The receiver listens on loopback, which destinations may only use when the allow-list names it.
  const settings = { DISPATCH_MAX_ATTEMPTS: '3', DISPATCH_BACKOFF_BASE_MS: '200', DISPATCH_BACKOFF_MAX_MS: '1000', WORKER_QUEUE_CONCURRENCY: 'treatment-dispatch=8', DESTINATION_ALLOWED_HOSTS: '127.0.0.1' };
  let nextId = 1;

  async function destination(path: string, options: { timeoutMs?: number; ratePerSecond?: number; url?: string } = {}): Promise<string> {
    const sealed = api.app.get(SecretBox).seal(secret);
    const { rows } = await db.query(
      `INSERT INTO destinations (name, url, secret_encrypted, timeout_ms, rate_limit_per_second) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [`dest-${path}-${randomUUID()}`, options.url ?? receiver.url(path), sealed, options.timeoutMs ?? 5000, options.ratePerSecond ?? null],
    );
    return rows[0].id;
  }

  /** A delivery as the decide step writes it (pending, or held until `heldUntil`). */
  async function delivery(destinationId: string, options: { heldUntil?: Date } = {}): Promise<{ id: string; webhookId: string }> {
    const n = nextId++;
    const webhookId = `msg_${randomUUID().replace(/-/g, '')}`;
    const { rows } = await db.query(
      `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, destination_id, status, next_attempt_at, request, event_received_at)
       VALUES ($1, $1, 1, 'welcome_hook', 'webhook', 'email', $2, $3, $4, $5, $6, now()) RETURNING id`,
      [n, webhookId, destinationId, options.heldUntil ? 'held' : 'pending', options.heldUntil ?? null, JSON.stringify({ body: { event: 'welcome', n } })],
    );
    return { id: String(rows[0].id), webhookId };
  }

  const enqueue = (deliveryId: string, attempt = 1) => api.app.get(JobProducer).enqueue(DISPATCH_DELIVERY, { deliveryId, attempt });

  async function row(id: string) {
    const { rows } = await db.query(`SELECT status, attempts, replays, last_status_code, last_error, webhook_id FROM deliveries WHERE id = $1`, [id]);
    return rows[0];
  }

  const statusIs = (id: string, status: string) => eventually(async () => ((await row(id)).status === status ? row(id) : false), `delivery ${id} ${status}`, 90_000);

  beforeAll(async () => {
    receiver = await startReceiver(secret);
    api = await startApiTestApp({ env: settings });
    db = new Pool({ connectionString: api.ctx.databaseUrl, max: 4 });
    workers = [spawnWorkerProcess({ ...api.ctx.env, ...settings }), spawnWorkerProcess({ ...api.ctx.env, ...settings })];
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await db?.end();
    await api?.close();
    await receiver?.close();
  });

  it('a destination that times out, answers 500, then 200: one effective delivery, the same webhook id and a valid signature on every attempt', async () => {
    receiver.on('/flaky', [{ status: 200, hangMs: 3000 }, { status: 500 }, { status: 200 }]);
    const d = await delivery(await destination('/flaky', { timeoutMs: 1000 }));
    await enqueue(d.id);
    const done = await statusIs(d.id, 'delivered');
    expect(done).toMatchObject({ attempts: 3, last_status_code: 200, last_error: null });
    const seen = receiver.at('/flaky');
    expect(seen).toHaveLength(3);
    expect(seen.every((r) => r.verified)).toBe(true);
    expect(new Set(seen.map((r) => r.webhookId))).toEqual(new Set([d.webhookId]));
    // Deduplicating on webhook-id, as receivers do, leaves one delivery with the rendered body.
    expect(seen.map((r) => JSON.parse(r.body))).toEqual(Array(3).fill({ event: 'welcome', n: nextId - 1 }));
  });

  it('honours Retry-After on a 429 before the next attempt', async () => {
    receiver.on('/busy', [{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }]);
    const d = await delivery(await destination('/busy'));
    await enqueue(d.id);
    await statusIs(d.id, 'delivered');
    const [first, second] = receiver.at('/busy');
    expect(second.at - first.at).toBeGreaterThanOrEqual(1900);
    expect([first.verified, second.verified]).toEqual([true, true]);
  });

  it("a 429's Retry-After pauses the destination for every worker; a delivery held back by it counts no attempt", async () => {
    receiver.on('/paused', [{ status: 429, headers: { 'retry-after': '3' } }, { status: 200 }]);
    const dest = await destination('/paused');
    const first = await delivery(dest);
    await enqueue(first.id);
    await statusIs(first.id, 'retrying');
    const second = await delivery(dest);
    await enqueue(second.id);
    await Promise.all([statusIs(first.id, 'delivered'), statusIs(second.id, 'delivered')]);
    const seen = receiver.at('/paused');
    const refusedAt = seen[0].at;
    const secondAt = seen.find((r) => r.webhookId === second.webhookId)!.at;
    expect(secondAt - refusedAt).toBeGreaterThanOrEqual(2900);
    expect(await row(second.id)).toMatchObject({ attempts: 1 });
    expect(seen.filter((r) => r.webhookId === second.webhookId)).toHaveLength(1);
  });

  it('checks the address again before sending: a destination that now points inside (not allowed) is refused, never called', async () => {
    // Saved when it was acceptable; now its address is a loopback one the allow-list does not name.
    const inside = receiver.url('/inside').replace('127.0.0.1', '127.0.0.2');
    const d = await delivery(await destination('/inside', { url: inside }));
    await enqueue(d.id);
    const dead = await statusIs(d.id, 'dead');
    expect(dead.last_error).toMatch(/address is refused/);
    expect(receiver.at('/inside')).toHaveLength(0);
  });

  it('does not retry a 400: the delivery is dead at once and listed with the dead letters', async () => {
    receiver.on('/refuses', [{ status: 400 }, { status: 200 }]);
    const d = await delivery(await destination('/refuses'));
    await enqueue(d.id);
    expect(await statusIs(d.id, 'dead')).toMatchObject({ attempts: 1, last_status_code: 400 });
    // Another job for it (a duplicate, a reconciler pass) changes nothing.
    await enqueue(d.id, 2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.at('/refuses')).toHaveLength(1);
    const res = await api.http.get('/v1/deliveries?status=dead&limit=200').set(api.auth('admin'));
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { id: string }) => i.id)).toContain(d.id);
  });

  it('dead after the last attempt; replayed through HTTP it is delivered under the same webhook id', async () => {
    receiver.on('/down', [{ status: 503 }]);
    const d = await delivery(await destination('/down'));
    await enqueue(d.id);
    expect(await statusIs(d.id, 'dead')).toMatchObject({ attempts: 3, last_status_code: 503 });
    expect(receiver.at('/down')).toHaveLength(3);

    const dead = await api.http.get('/v1/deliveries').query({ status: 'dead', limit: 200 }).set(api.auth('admin'));
    const listed = dead.body.items.find((i: { id: string }) => i.id === d.id);
    expect(listed).toMatchObject({ status: 'dead', attempts: 3, webhookId: d.webhookId, lastStatusCode: 503 });
    expect(listed).not.toHaveProperty('request');

    receiver.on('/down', [{ status: 200 }]);
    const replay = await api.http.post(`/v1/deliveries/${d.id}/replay`).set(api.auth('admin'));
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: d.id, status: 'pending', replays: 1, webhookId: d.webhookId });
    expect(await statusIs(d.id, 'delivered')).toMatchObject({ attempts: 4, replays: 1 });
    const seen = receiver.at('/down');
    expect(seen).toHaveLength(4);
    expect(seen.every((r) => r.verified && r.webhookId === d.webhookId)).toBe(true);

    // Only dead letters replay.
    const again = await api.http.post(`/v1/deliveries/${d.id}/replay`).set(api.auth('admin'));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('DELIVERY_NOT_DEAD');
  });

  it('pages the dead letters and validates the routes', async () => {
    receiver.on('/gone', [{ status: 410 }]);
    const dest = await destination('/gone');
    const ds = [await delivery(dest), await delivery(dest), await delivery(dest)];
    await Promise.all(ds.map((d) => enqueue(d.id)));
    await Promise.all(ds.map((d) => statusIs(d.id, 'dead')));
    const first = await api.http.get('/v1/deliveries?status=dead&limit=2').set(api.auth('admin'));
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next).toEqual(first.body.items[1].id);
    const second = await api.http.get(`/v1/deliveries?status=dead&limit=2&before=${first.body.next}`).set(api.auth('admin'));
    expect(second.body.items.length).toBeGreaterThan(0);
    expect(second.body.items.every((i: { id: string }) => BigInt(i.id) < BigInt(first.body.next))).toBe(true);

    const bad = await api.http.get('/v1/deliveries?status=lost').set(api.auth('admin'));
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toMatchObject({ field: 'status' });
    const badLimit = await api.http.get('/v1/deliveries?status=dead&limit=5000').set(api.auth('admin'));
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.details[0]).toMatchObject({ field: 'limit' });
    const unknown = await api.http.get('/v1/deliveries?status=dead&color=red').set(api.auth('admin'));
    expect(unknown.status).toBe(400);
    const badId = await api.http.post('/v1/deliveries/abc/replay').set(api.auth('admin'));
    expect(badId.status).toBe(400);
    expect(badId.body.details[0]).toMatchObject({ field: 'id' });
    const missing = await api.http.post('/v1/deliveries/999999999/replay').set(api.auth('admin'));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('DELIVERY_NOT_FOUND');
    const agent = await api.http.get('/v1/deliveries?status=dead').set(api.auth('agent'));
    expect(agent.status).toBe(403);
  });

  it('exactly one delivery per delivery row under two concurrent worker processes and duplicate jobs', async () => {
    receiver.on('/once', [{ status: 200, hangMs: 100 }]);
    const dest = await destination('/once');
    const ds = [];
    for (let i = 0; i < 30; i++) ds.push(await delivery(dest));
    // Two jobs per delivery (distinct job ids, so BullMQ keeps both): both workers race for each.
    await Promise.all(ds.flatMap((d) => [enqueue(d.id, 1), enqueue(d.id, 2)]));
    await Promise.all(ds.map((d) => statusIs(d.id, 'delivered')));
    await new Promise((r) => setTimeout(r, 1500));
    const seen = receiver.at('/once');
    expect(seen).toHaveLength(30);
    expect(new Set(seen.map((r) => r.webhookId))).toEqual(new Set(ds.map((d) => d.webhookId)));
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE id = ANY($1) AND attempts = 1`, [ds.map((d) => d.id)]);
    expect(rows[0].n).toBe(30);
  });

  it("keeps to the destination's rate limit across both workers", async () => {
    receiver.on('/limited', [{ status: 200 }]);
    const dest = await destination('/limited', { ratePerSecond: 2 });
    const ds = [];
    for (let i = 0; i < 6; i++) ds.push(await delivery(dest));
    await Promise.all(ds.map((d) => enqueue(d.id)));
    await Promise.all(ds.map((d) => statusIs(d.id, 'delivered')));
    const times = receiver.at('/limited').map((r) => r.at).sort((a, b) => a - b);
    expect(times).toHaveLength(6);
    // Never a third request within one second of the one two before it.
    for (let i = 2; i < times.length; i++) expect(times[i] - times[i - 2]).toBeGreaterThanOrEqual(950);
  });

  it('does not send a held delivery before its time', async () => {
    receiver.on('/held', [{ status: 200 }]);
    const releaseAt = new Date(Date.now() + 3000);
    const d = await delivery(await destination('/held'), { heldUntil: releaseAt });
    await enqueue(d.id);
    await statusIs(d.id, 'delivered');
    const [only] = receiver.at('/held');
    expect(only.at).toBeGreaterThanOrEqual(releaseAt.getTime() - 50);
  });
});
