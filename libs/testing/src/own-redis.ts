import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { eventually, stopProcess } from './worker-process';

/**
 * A Redis server of a test's own, on a free port, without persistence: a fault test may flush it,
 * stop it or restart it (empty, as a restart without persistence leaves it) without touching the
 * Redis everyone else shares.
 */
export interface OwnRedis {
  url: string;
  port: number;
  /** FLUSHALL: every key gone, as an operator's mistake or a failover to an empty replica does. */
  flush(): Promise<void>;
  /** Stops the server and starts a new, empty one on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let server = await launch(port);
  const url = `redis://127.0.0.1:${port}`;
  const admin = () => new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  return {
    url,
    port,
    async flush() {
      const r = admin();
      try {
        await r.connect();
        await r.flushall();
      } finally {
        r.disconnect();
      }
    },
    async restart() {
      await stopProcess(server);
      server = await launch(port);
    },
    async stop() {
      await stopProcess(server);
    },
  };
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: 'ignore',
  });
  await eventually(async () => {
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
  }, `redis-server on port ${port}`, 15_000, 100);
  return child;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
