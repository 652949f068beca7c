import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../persistence/src/data-source-options';
import { eventually, stopProcess } from './worker-process';

const run = promisify(execFile);

/**
 * Redis and Postgres servers of a test's own, on free ports, for fault tests that flush, stop or
 * restart a dependency: the shared servers other test files use are never touched.
 */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  url: string;
  port: number;
  /** FLUSHALL: every key gone, as an operator's mistake or a failover to an empty replica does. */
  flush(): Promise<void>;
  /** Stops the server and starts a new, empty one on the same port (a restart without persistence). */
  restart(): Promise<void>;
  /** Stops the server (no persistence: its data is gone) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | undefined = await launchRedis(port);
  const stop = async () => {
    if (server) await stopProcess(server);
    server = undefined;
  };
  const start = async () => {
    if (!server) server = await launchRedis(port);
  };
  return {
    url,
    port,
    async flush() {
      const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
      try {
        await r.connect();
        await r.flushall();
      } finally {
        r.disconnect();
      }
    },
    async restart() {
      await stop();
      await start();
    },
    stop,
    start,
  };
}

async function launchRedis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extra], {
    stdio: 'ignore',
  });
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
      const r = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    },
    `redis-server on port ${port}`,
    15_000,
    100,
  );
  return child;
}

const PG_BIN = process.env.TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** A URL for another database on this server (user postgres, trust). */
  urlFor(database: string): string;
  /** Stops the server at once (`-m immediate`: as if it crashed or the host went away). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it if running and deletes its files. */
  dispose(): Promise<void>;
}

/**
 * A throwaway Postgres 15 cluster (initdb into a temp dir) on a free port; with `standbyOf`, a
 * streaming read replica of that one (pg_basebackup -R), answering reads only. Postgres refuses to run
 * as root, so as root the server runs as the `postgres` OS user.
 */
export async function startOwnPostgres(setup: { standbyOf?: OwnPostgres } = {}): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'corridor-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args]) : run(join(PG_BIN, tool), args);
  if (asRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(uid.trim()), Number(gid.trim()));
    await chmod(dir, 0o700);
  }
  if (setup.standbyOf) {
    // A streaming standby: a base backup of the primary, -R writes primary_conninfo and standby.signal.
    await pg('pg_basebackup', ['-h', '127.0.0.1', '-p', String(setup.standbyOf.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--no-sync']);
  } else {
    await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions', '-E', 'UTF8']);
  }
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  let running = false;
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const server: OwnPostgres = {
    url: urlFor('postgres'),
    port,
    urlFor,
    async start() {
      await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '120', 'start']);
      running = true;
    },
    async stop() {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    async dispose() {
      if (running) await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/**
 * Creates the database `corridor` on a server of the test's own and applies every migration (one
 * transaction each, as deployments do); returns its URL. The shared servers' template is not there.
 */
export async function createMigratedDatabase(server: OwnPostgres, applicationName = 'corridor-fault-test'): Promise<string> {
  const root = new Client({ connectionString: server.urlFor('postgres') });
  await root.connect();
  try {
    await root.query('CREATE DATABASE corridor');
  } finally {
    await root.end();
  }
  const ds = new DataSource(dataSourceOptions({ url: server.urlFor('corridor'), applicationName }));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
  return server.urlFor('corridor');
}

export interface OwnRedisCluster {
  /** redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3> (REDIS_URL's cluster form). */
  url: string;
  ports: number[];
  /** Stops every node and deletes their files. */
  stop(): Promise<void>;
}

/**
 * A three-master Redis Cluster (no replicas, no persistence) of a test's own, from the machine's
 * `redis-server` and `redis-cli --cluster create`, on free ports; waits until the cluster says ok.
 */
export async function startOwnRedisCluster(masters = 3): Promise<OwnRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'corridor-redis-cluster-'));
  const ports: number[] = [];
  // freePort closes its probe before returning: ask for distinct ones (the cluster bus takes port + 10000).
  while (ports.length < masters) {
    const p = await freePort();
    if (p < 55535 && !ports.includes(p)) ports.push(p);
  }
  const nodes: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => stopProcess(n)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      nodes.push(
        await launchRedis(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000', '--dir', dir]),
      );
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    await eventually(
      async () => {
        for (const port of ports) {
          const r = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
          r.on('error', () => undefined);
          try {
            await r.connect();
            const info = String(await r.call('CLUSTER', 'INFO'));
            if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${masters}`)) return false;
          } catch {
            return false;
          } finally {
            r.disconnect();
          }
        }
        return true;
      },
      'the Redis Cluster to be ok on every node',
      30_000,
      200,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports, stop };
}
