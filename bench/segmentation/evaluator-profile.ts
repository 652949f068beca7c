/**
 * Micro-benchmark of the compiled persona-set evaluator alone, on the exact in-memory workload of
 * main.ts (fixture personas, 200,000 synthetic customers, 1M evaluations per measurement), without
 * Postgres or Redis. For profiling (`node --cpu-prof …`) and for before/after comparisons:
 *
 *   TS_NODE_PROJECT=tsconfig.json node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *     bench/segmentation/evaluator-profile.ts [--rounds 7] [--sample 200000] [--json] [--baseline /path/to/old/domain/src]
 *
 * With `--baseline`, a second copy of the domain library is measured in the same process,
 * alternating with the current one, and both must assign every customer identically, e.g.
 *
 *   mkdir -p /tmp/base && git archive HEAD libs/domain/src | tar -x -C /tmp/base
 *   NODE_PATH=$PWD/node_modules … evaluator-profile.ts --baseline /tmp/base/libs/domain/src
 *
 * The machine is shared and noisy, so only same-run, alternating, best-of-N figures compare; the
 * CPU-time rate is the steadier one. `--json` evaluates customers parsed from JSON, as the worker
 * gets them, instead of main.ts's objects.
 */
import { performance } from 'node:perf_hooks';
import * as current from '@corridor/domain';
import { FIXTURE_PERSONAS } from '../fixtures/persona-fixture';
import { syntheticCustomer } from '../fixtures/synthetic-customers';

type Domain = Pick<typeof current, 'buildPersonaSet' | 'compileSetSnapshot' | 'CANONICAL_CATALOG'>;
type Assign = (attributes: Record<string, unknown>) => number;

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};
const ROUNDS = Number(arg('rounds') ?? 7);
const SAMPLE = Number(arg('sample') ?? 200_000);
const EVALUATIONS = 1_000_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');

/** The same set main.ts builds: fixture personas in priority order, a fallback, the canonical catalog. */
function assignerOf(domain: Domain, timeZone = 'UTC'): Assign {
  const personas = FIXTURE_PERSONAS.map((p, i) => ({
    id: `p${i}`,
    versionId: `v${i}`,
    version: 1,
    key: p.key,
    name: p.name,
    priority: i + 1,
    enabled: true,
    isFallback: false,
    rule: p.rule,
  }));
  personas.push({ id: 'fb', versionId: 'vfb', version: 1, key: 'everyone_else', name: 'Everyone else', priority: null as never, enabled: true, isFallback: true, rule: null });
  const draft = domain.buildPersonaSet(personas as never, domain.CANONICAL_CATALOG);
  const set = domain.compileSetSnapshot(draft.members, draft.catalog, timeZone);
  return set.compiled.bind({ now: NOW, timeZone });
}

/**
 * Evaluations per second, by wall time (what main.ts reports) and by this process's CPU time,
 * which other processes on a shared machine disturb much less.
 */
function measure(assign: Assign, sample: readonly Record<string, unknown>[]): { wall: number; cpu: number } {
  const rounds = Math.max(1, Math.ceil(EVALUATIONS / sample.length));
  const t = performance.now();
  const c = process.cpuUsage();
  let sink = 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < sample.length; i++) sink += assign(sample[i]);
  if (sink < 0) throw new Error('unreachable');
  const cpu = process.cpuUsage(c);
  const n = rounds * sample.length;
  return { wall: n / ((performance.now() - t) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

function main(): void {
  let sample = Array.from({ length: SAMPLE }, (_, i) => syntheticCustomer(i, NOW).attributes);
  // `--json`: customers as the worker gets them (parsed from JSON: flat strings, only short ones interned).
  if (process.argv.includes('--json')) sample = JSON.parse(JSON.stringify(sample)) as typeof sample;
  const contenders: Array<{ name: string; assign: Assign; best: number; bestCpu: number }> = [
    { name: 'current', assign: assignerOf(current), best: 0, bestCpu: 0 },
  ];
  const baselineDir = arg('baseline');
  if (baselineDir !== undefined) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const baseline = require(baselineDir) as Domain;
    contenders.unshift({ name: 'baseline', assign: assignerOf(baseline), best: 0, bestCpu: 0 });
    // Same answers first, in two zones (plain dates and offset-less timestamps depend on it).
    // `--no-check` skips this, for experiments that knowingly change results.
    for (const zone of process.argv.includes('--no-check') ? [] : ['UTC', 'America/New_York']) {
      const a = assignerOf(baseline, zone);
      const b = assignerOf(current, zone);
      const counts = new Map<number, number>();
      for (let i = 0; i < sample.length; i++) {
        const x = a(sample[i]);
        if (x !== b(sample[i])) throw new Error(`customer ${i} (${zone}): baseline ${x}, current ${b(sample[i])}`);
        counts.set(x, (counts.get(x) ?? 0) + 1);
      }
      process.stderr.write(`identical assignments in ${zone}: ${JSON.stringify([...counts].sort((p, q) => p[0] - q[0]))}\n`);
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    const line = contenders.map((c) => {
      const { wall, cpu } = measure(c.assign, sample);
      c.best = Math.max(c.best, wall);
      c.bestCpu = Math.max(c.bestCpu, cpu);
      return `${c.name} ${Math.round(wall).toLocaleString()}/s (CPU time: ${Math.round(cpu).toLocaleString()}/s)`;
    });
    process.stderr.write(`round ${round + 1}: ${line.join(', ')}\n`);
  }
  const summary = Object.fromEntries(
    contenders.flatMap((c) => [
      [c.name, Math.round(c.best)],
      [`${c.name}_cpu`, Math.round(c.bestCpu)],
    ]),
  );
  process.stdout.write(`${JSON.stringify({ best_of: ROUNDS, sample: SAMPLE, ...summary })}\n`);
}

main();
