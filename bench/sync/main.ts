/**
 * npm run bench:sync -- [--contacts 100000] [--throttled-contacts 50000] [--changed-ratio 0.01]
 *
 * A HubSpot full sync through the real path (sandbox over HTTP → @hubspot/api-client → connector →
 * CrmSyncService → Postgres), run in a child process so its memory is measured apart from the
 * sandbox's: unthrottled at two sizes (contacts/s, peak RSS), then under HubSpot's default limit
 * (100 requests / 10 s: share of the budget used, 429s, time vs the theoretical minimum), then an
 * incremental sync after 1% of the contacts changed. Ends with one line of JSON.
 *
 * Peer for the unthrottled contacts/s: the same connection's connector (same @hubspot/api-client
 * list paging, properties and page size, same mapping) pulled to the end against the same sandbox,
 * in the same kind of child process, without Postgres, content hashes or checkpoints: the ceiling
 * the read path allows. The sync reports its throughput as a ratio to it.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { ConfigModule, loadConfig } from '@corridor/config';
import { CrmConnectorFactory, CrmModule } from '@corridor/crm';
import { CrmConnectionSettings, SyncPosition, SyncRun } from '@corridor/domain';
import { JobsModule } from '@corridor/jobs';
import { ConnectionRepository, PersistenceModule, SecretBox } from '@corridor/persistence';
import { DataSource } from 'typeorm';
import { CrmSyncService } from '../../apps/worker/src/crm-sync/crm-sync.service';
import { startCrmSandbox } from '../../apps/crm-sandbox/src/sandbox-server';
import { createBenchDatabase, flag, peakRssMb, round } from '../harness/bench-database';

const CONTACTS = flag('contacts', 100_000);
const THROTTLED = flag('throttled-contacts', 50_000);
const CHANGED_RATIO = flag('changed-ratio', 0.01);
const SMALL = Math.max(1000, Math.round(CONTACTS / 10));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HUBSPOT_BURST = 100;
const HUBSPOT_WINDOW_S = 10;
const log = (msg: string) => process.stderr.write(`[bench:sync] ${msg}\n`);

interface ChildResult {
  run: SyncRun;
  seconds: number;
  cpu: CpuSeconds;
  peakRssMb: number;
  retainedHeapMb: number;
}

/** The client-pull child: what it read, not what it stored (it stores nothing). */
interface PullResult {
  records: number;
  requests: number;
  seconds: number;
  cpu: CpuSeconds;
  peakRssMb: number;
}

/** CPU the child's process and its Postgres backends used: steadier than wall time on a shared machine. */
interface CpuSeconds {
  node: number;
  postgres: number;
}

/** User + system CPU of this database's backends, by pid (Linux /proc; a backend gone is not counted). */
async function backendCpuMs(ds: DataSource): Promise<Map<number, number>> {
  const rows: Array<{ pid: number }> = await ds.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length > 12) cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
  }
  return cpu;
}

async function measureCpu<T>(ds: DataSource, work: () => Promise<T>): Promise<{ result: T; cpu: CpuSeconds }> {
  const pg0 = await backendCpuMs(ds);
  const node0 = process.cpuUsage();
  const result = await work();
  const node = process.cpuUsage(node0);
  let pgMs = 0;
  for (const [pid, ms] of await backendCpuMs(ds)) pgMs += ms - (pg0.get(pid) ?? 0);
  return { result, cpu: { node: round((node.user + node.system) / 1e6), postgres: round(pgMs / 1000) } };
}

@Module({ imports: [ConfigModule, PersistenceModule, JobsModule, CrmModule], providers: [CrmSyncService] })
class BenchSyncModule {}

/** The child: one sync of one connection, as a worker runs it; reports the run, time and peak RSS. */
async function child(): Promise<void> {
  const app = await NestFactory.createApplicationContext(BenchSyncModule, { logger: false });
  if (process.env.BENCH_MODE === 'pull') return pullChild(app);
  const sync = app.get(CrmSyncService);
  const t = performance.now();
  const { result: run, cpu } = await measureCpu(app.get(DataSource), () =>
    sync.sync({ connectionId: process.env.BENCH_CONNECTION_ID!, mode: process.env.BENCH_MODE as 'full' | 'incremental' }),
  );
  const seconds = (performance.now() - t) / 1000;
  await app.close();
  // What the sync retained, apart from garbage V8 had not collected yet (which peak RSS includes).
  global.gc?.();
  const retainedHeapMb = Math.round(process.memoryUsage().heapUsed / 1e6);
  process.stdout.write(`${JSON.stringify({ run, seconds, cpu, peakRssMb: await peakRssMb(process.pid), retainedHeapMb })}\n`);
}

/**
 * The peer child: the connector the sync would build for this connection (CrmConnectorFactory, same
 * settings and budget), discovery, then every page of a full read (list + archived), as the sync's
 * read-ahead calls it; the pages are counted and dropped. No run, no upserts, no hashes, no checkpoints.
 */
async function pullChild(app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>): Promise<void> {
  const connections = app.get(ConnectionRepository);
  const factory = app.get(CrmConnectorFactory);
  let requests = 0;
  const t = performance.now();
  const { result: records, cpu } = await measureCpu(app.get(DataSource), async () => {
    const connector = factory.create(await connections.get(process.env.BENCH_CONNECTION_ID!));
    await connector.discoverProperties();
    let read = 0;
    for (let position: SyncPosition | null = connector.begin('full', null, new Date()); position; ) {
      const page = await connector.readPage(position);
      read += page.customers.length;
      position = page.next;
    }
    requests = connector.takeStats().requests;
    return read;
  });
  const seconds = (performance.now() - t) / 1000;
  await app.close();
  const result: PullResult = { records, requests, seconds, cpu, peakRssMb: await peakRssMb(process.pid) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(env: Record<string, string> & { BENCH_MODE: 'pull' }): Promise<PullResult>;
function runChild(env: Record<string, string>): Promise<ChildResult>;
function runChild(env: Record<string, string>): Promise<ChildResult | PullResult> {
  return new Promise((done, fail) => {
    const args = [...process.execArgv, '--expose-gc', process.argv[1], '--child'];
    const p = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) return fail(new Error(`sync child exited ${code}`));
      done(JSON.parse(last) as ChildResult | PullResult);
    });
  });
}

async function main(): Promise<void> {
  const db = await createBenchDatabase('corridor_bench_sync');
  const prefix = `corridor-bench-sync-${Date.now().toString(36)}`;
  const env = { DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'silent', NODE_ENV: 'development', CRM_ALLOWED_HOSTS: '127.0.0.1' };
  const config = loadConfig({ ...process.env, ...env });
  const connections = new ConnectionRepository(db.ds, new SecretBox(config));
  const addConnection = async (url: string, settings: CrmConnectionSettings) =>
    (
      await connections.create({
        kind: 'hubspot',
        name: 'bench',
        settings: { basePath: url, syncIntervalSeconds: 0, ...settings },
        credentials: { kind: 'hubspot', accessToken: 'sandbox-hubspot-token' },
      })
    ).id;
  const unlimited = { burstMax: 0, searchPerSecond: 0, daily: 0 };
  try {
    // 1. Unthrottled full sync at two sizes: throughput and memory.
    const small = await startCrmSandbox({ port: 0, hubspot: { contacts: SMALL, rateLimits: unlimited } } as never);
    const smallId = await addConnection(small.url, { rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    log(`full sync of ${SMALL.toLocaleString()} contacts (unthrottled)`);
    const smallRun = await runChild({ ...env, BENCH_CONNECTION_ID: smallId, BENCH_MODE: 'full' });
    await small.close();

    const sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: CONTACTS, rateLimits: unlimited } } as never);
    const searchLag = sandbox.admin.options().hubspot.searchLagMs;
    const bigId = await addConnection(sandbox.url, { rateLimit: { burstPer10s: 0, searchPerSecond: 0 }, searchLagMs: searchLag + 250 });
    // Peer: the same connection's connector read path, pulled to the end, nothing written.
    log(`client pull of ${CONTACTS.toLocaleString()} contacts (connector read path only, unthrottled)`);
    const pull = await runChild({ ...env, BENCH_CONNECTION_ID: bigId, BENCH_MODE: 'pull' });
    if (pull.records !== CONTACTS) throw new Error(`client pull read ${pull.records} contacts, expected ${CONTACTS}`);
    const pullPerS = pull.records / pull.seconds;
    log(`${pull.records.toLocaleString()} contacts in ${round(pull.seconds)} s = ${Math.round(pullPerS).toLocaleString()} contacts/s; ${pull.requests} requests; peak RSS ${pull.peakRssMb} MB`);

    log(`full sync of ${CONTACTS.toLocaleString()} contacts (unthrottled)`);
    const big = await runChild({ ...env, BENCH_CONNECTION_ID: bigId, BENCH_MODE: 'full' });
    const contactsPerS = big.run.created / big.seconds;
    const ratioVsPull = contactsPerS / pullPerS;
    log(`${big.run.created.toLocaleString()} contacts in ${round(big.seconds)} s = ${Math.round(contactsPerS).toLocaleString()} contacts/s; ${big.run.requests} requests; peak RSS ${big.peakRssMb} MB (${smallRun.peakRssMb} MB at ${SMALL.toLocaleString()}), heap retained after GC ${big.retainedHeapMb} MB (${smallRun.retainedHeapMb} MB)`);
    log(`full sync vs client pull: ${Math.round(contactsPerS).toLocaleString()} / ${Math.round(pullPerS).toLocaleString()} contacts/s = ${round(ratioVsPull)}× of the read path's ceiling`);
    log(`CPU (s): full sync ${big.cpu.node} node + ${big.cpu.postgres} postgres; client pull ${pull.cpu.node} node + ${pull.cpu.postgres} postgres`);

    // 2. Incremental after 1% changed (one bulk update, as a workflow does).
    const changed = Math.max(1, Math.round(CONTACTS * CHANGED_RATIO));
    const stride = Math.max(1, Math.floor(CONTACTS / changed));
    const ids = Array.from({ length: changed }, (_, i) => sandbox.admin.hubspot.idForIndex((i * stride) % CONTACTS));
    sandbox.admin.hubspot.touchContacts({ ids }, { jobtitle: 'Changed by bench' });
    await new Promise((r) => setTimeout(r, searchLag + 600));
    log(`incremental sync after ${changed.toLocaleString()} contacts changed`);
    const inc = await runChild({ ...env, BENCH_CONNECTION_ID: bigId, BENCH_MODE: 'incremental' });
    log(`incremental: ${inc.run.requests} requests, ${inc.run.updated} updated, ${inc.run.unchanged} unchanged, ${round(inc.seconds)} s`);

    // 2b. A second full sync of the same contacts (nothing changed since): hashes say unchanged; the
    // sweep at its end compares every stored customer with the ids it saw.
    log(`full re-sync of ${CONTACTS.toLocaleString()} contacts (unchanged)`);
    const resync = await runChild({ ...env, BENCH_CONNECTION_ID: bigId, BENCH_MODE: 'full' });
    log(`full re-sync: ${resync.run.unchanged.toLocaleString()} unchanged, ${resync.run.deleted} swept, ${round(resync.seconds)} s; CPU ${resync.cpu.node} node + ${resync.cpu.postgres} postgres`);
    await sandbox.close();

    // 3. HubSpot's default limit (100 / rolling 10 s, search 5 / s): budget use and 429s.
    const throttled = await startCrmSandbox({ port: 0, hubspot: { contacts: THROTTLED } } as never);
    const throttledId = await addConnection(throttled.url, {});
    log(`full sync of ${THROTTLED.toLocaleString()} contacts at ${HUBSPOT_BURST} requests / ${HUBSPOT_WINDOW_S} s`);
    const th = await runChild({ ...env, BENCH_CONNECTION_ID: throttledId, BENCH_MODE: 'full' });
    const sandboxStats = throttled.admin.stats().hubspot;
    await throttled.close();
    const requests = sandboxStats.total;
    // A rolling window allows at most BURST requests in any WINDOW: request k (from 0) can go no
    // earlier than floor(k / BURST) windows after the first, so R requests need floor((R-1)/BURST) windows.
    const theoreticalMin = Math.floor(Math.max(0, requests - 1) / HUBSPOT_BURST) * HUBSPOT_WINDOW_S;
    // Share of the budget used: our request rate over the allowed rate (BURST per WINDOW).
    const budgetUsed = requests / th.seconds / (HUBSPOT_BURST / HUBSPOT_WINDOW_S);
    log(`${requests} requests in ${round(th.seconds)} s (theoretical minimum ${round(theoreticalMin)} s); budget used ${round(budgetUsed * 100, 1)}%; 429s: ${sandboxStats.rateLimited}`);

    const result = {
      contacts: CONTACTS,
      contacts_per_s: Math.round(contactsPerS),
      full_sync_seconds: round(big.seconds),
      full_sync_requests: big.run.requests,
      peak_rss_mb: big.peakRssMb,
      peak_rss_mb_small: smallRun.peakRssMb,
      retained_heap_mb: big.retainedHeapMb,
      retained_heap_mb_small: smallRun.retainedHeapMb,
      small_contacts: SMALL,
      small_contacts_per_s: Math.round(smallRun.run.created / smallRun.seconds),
      throttled_contacts: THROTTLED,
      throttled_requests: requests,
      throttled_seconds: round(th.seconds),
      theoretical_min_seconds: round(theoreticalMin),
      time_vs_theoretical_min: round(th.seconds / Math.max(theoreticalMin, 0.001)),
      budget_used_ratio: round(budgetUsed, 3),
      rate_limited_responses: sandboxStats.rateLimited,
      incremental_changed: inc.run.updated,
      incremental_requests: inc.run.requests,
      incremental_records_read: inc.run.records,
      incremental_seconds: round(inc.seconds),
      resync_seconds: round(resync.seconds),
      resync_unchanged: resync.run.unchanged,
      client_pull_contacts_per_s: Math.round(pullPerS),
      client_pull_seconds: round(pull.seconds),
      client_pull_requests: pull.requests,
      ratio_vs_client_pull: round(ratioVsPull),
      full_sync_cpu_node_s: big.cpu.node,
      full_sync_cpu_postgres_s: big.cpu.postgres,
      client_pull_cpu_node_s: pull.cpu.node,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await db.drop();
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

(process.argv.includes('--child') ? child() : main()).catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
