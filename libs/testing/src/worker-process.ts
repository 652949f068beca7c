import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

/**
 * Starts `apps/worker` as a separate OS process (ts-node, or the build in CI) with the given env, so a
 * test can share work between real processes or kill one mid-job.
 */
export function spawnWorkerProcess(env: Record<string, string>, options: { captureStdout?: boolean } = {}): ChildProcess {
  return spawnAppProcess('apps/worker/src/main.ts', env, options);
}

/**
 * Starts an app's main.ts as a separate OS process. `captureStdout` pipes its stdout (the JSON log
 * lines) to `child.stdout` for the test to read; otherwise it is dropped.
 */
export function spawnAppProcess(main: string, env: Record<string, string>, options: { captureStdout?: boolean } = {}): ChildProcess {
  // CI builds right before the tests (.ci/run sets CORRIDOR_TEST_BUILT_APPS=1): the built app boots
  // in about a second, where ts-node compiling the whole app took minutes on a loaded 2-core machine.
  // Elsewhere the sources run, so a local test never meets a stale build.
  const built = process.env.CORRIDOR_TEST_BUILT_APPS === '1';
  const args = built
    ? [resolve(ROOT, 'dist', main.replace(/\.ts$/, '.js'))]
    : ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', resolve(ROOT, main)];
  return spawn(
    process.execPath,
    args,
    {
      cwd: ROOT,
      env: { ...process.env, ...env, TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json') },
      stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', process.env.TEST_WORKER_STDERR ? 'inherit' : 'ignore'],
    },
  );
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill(signal);
  });
}

/** Polls until `check` holds, or fails naming what it waited for. */
export async function eventually<T>(check: () => Promise<T | false | null | undefined>, what: string, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Collects a child's JSON log lines (from a process spawned with captureStdout) as they arrive. */
export function collectLogLines(child: ChildProcess): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let rest = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ raw: line });
      }
    }
  });
  return lines;
}
