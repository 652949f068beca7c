import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createTestContext, TestContext } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';

jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../../..');

function runChild(env: Record<string, string>): Promise<{ pages: number; requests: number; rateLimited: number; elapsedMs: number }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', resolve(__dirname, 'budget-hammer.child.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env, TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n').pop()!)) : fail(new Error(`child failed (${code}): ${err}`))));
  });
}

/** Two OS processes share one connection's budget through Redis: together they stay within it. */
describe('per-connection request budget across worker processes', () => {
  let ctx: TestContext;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  const BURST = 20;
  // Long enough that the budget's safety margin (a twentieth of the window) covers scheduling delays on a busy CI machine.
  const WINDOW_MS = 4000;

  beforeAll(async () => {
    ctx = await createTestContext();
    sandbox = await startCrmSandbox({
      port: 0,
      hubspot: { contacts: 500, rateLimits: { burstMax: BURST, burstWindowMs: WINDOW_MS, searchPerSecond: 0, daily: 0, searchCountsTowardBurst: true } },
    } as never);
  });
  afterAll(async () => {
    await sandbox?.close();
    await ctx?.dispose();
  });

  it('two processes together never exceed the budget (no 429) and use it fully', async () => {
    const env = {
      REDIS_URL: ctx.redisUrl,
      BUDGET_KEY: `${ctx.redisPrefix}:crm-budget:shared`,
      BASE_PATH: sandbox.url,
      TOKEN: 'sandbox-hubspot-token',
      PAGES: '30',
      BURST_MAX: String(BURST),
      BURST_WINDOW_MS: String(WINDOW_MS),
    };
    sandbox.admin.resetStats();
    const started = Date.now();
    const [a, b] = await Promise.all([runChild(env), runChild(env)]);
    const elapsed = Date.now() - started;
    const stats = sandbox.admin.stats().hubspot;
    const total = a.requests + b.requests;
    expect(stats.total).toBe(total);
    expect(stats.rateLimited).toBe(0);
    expect(a.rateLimited + b.rateLimited).toBe(0);
    // The rolling window allows BURST at once, then BURST per window.
    const minimumMs = ((total - BURST) / BURST) * WINDOW_MS;
    expect(elapsed).toBeGreaterThanOrEqual(minimumMs * 0.95);
    // ... and the budget is used, not wasted (timed inside the children: process start-up excluded).
    expect(Math.max(a.elapsedMs, b.elapsedMs)).toBeLessThan(minimumMs * 1.5 + 2000);
  });
});
