import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type Redis from 'ioredis';

/** The repository root, seen from dist/bench/<name>/ (where the compiled benches run). */
export const ROOT = resolve(__dirname, '../../..');

/** A positive number from the environment (underscores allowed: 10_000), else the fallback. */
export function envNumber(name: string, fallback: number): number {
  const v = Number((process.env[name] ?? String(fallback)).replace(/_/g, ''));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
  return v;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls `f` until it holds; throws after `timeoutMs`. `progress` (if given) is called every ~5 s while waiting. */
export async function until(what: string, f: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250, progress?: () => Promise<void> | void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let nextProgress = Date.now() + 5000;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (progress && Date.now() >= nextProgress) {
      nextProgress = Date.now() + 5000;
      await progress();
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The built apps (dist/apps/…) as child processes of one bench: `start` spawns one (with
 * `node --cpu-prof` when a profile directory is given), `stopAll` ends them (SIGTERM, then SIGKILL
 * after 10 s).
 */
export class Children {
  readonly all: ChildProcess[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  start(main: string, opts: { profileDir?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
    const args = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`, resolve(ROOT, main)] : [resolve(ROOT, main)];
    const p = spawn(process.execPath, args, { cwd: ROOT, env: { ...this.env, ...opts.env }, stdio: ['ignore', 'ignore', 'inherit'] });
    this.all.push(p);
    return p;
  }

  /** Ends one child and waits for it to exit (a CPU profile is written on a clean exit). */
  static stop(p: ChildProcess): Promise<void> {
    return new Promise<void>((done) => {
      if (p.exitCode !== null || p.signalCode !== null) return done();
      p.once('exit', () => done());
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 10_000).unref();
    });
  }

  stopAll(): Promise<void> {
    return Promise.all(this.all.map((p) => Children.stop(p))).then(() => undefined);
  }
}

/** A new API key of `role`, made by the built CLI against the bench's database. */
export function createApiKey(env: NodeJS.ProcessEnv, role: string, name = `bench-${role}`): string {
  return execFileSync(process.execPath, [resolve(ROOT, 'dist/apps/cli/src/main.js'), 'keys', 'create', '--role', role, '--name', name], { cwd: ROOT, env, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
}

/** A small JSON client of the API with one key: throws on any non-2xx answer. */
export function apiClient(baseUrl: string, key: string) {
  return async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': contentType, authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}
export type ApiCall = ReturnType<typeof apiClient>;

/** Deletes every Redis key under the bench's prefix. */
export async function clearRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** The 1-minute load average and the number of cores: what else the machine was doing. */
export async function loadAverage(): Promise<{ load1: number; load5: number; load15: number; cores: number }> {
  const { loadavg, availableParallelism } = await import('node:os');
  const [load1, load5, load15] = loadavg().map((n) => Math.round(n * 100) / 100);
  return { load1, load5, load15, cores: availableParallelism() };
}

/**
 * The environment the benches give the built api and workers: a database and Redis prefix of the
 * bench's own, its port, quiet logs, no daily refresh, and the loopback receiver allowed.
 */
export function benchAppEnv(opts: { databaseUrl: string; redisUrl: string; prefix: string; port: number }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: opts.prefix,
    PORT: String(opts.port),
    PUBLIC_URL: `http://127.0.0.1:${opts.port}`,
    LOG_LEVEL: 'error',
    SEGMENTATION_REFRESH_CRON: '',
    DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
  };
}
