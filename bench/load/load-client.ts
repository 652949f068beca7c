/**
 * The load generator of bench:load, run as its own process so that it does not share an event loop
 * with what it measures: autocannon against one endpoint, each request a distinct event (a counter
 * makes its idempotency key), for a fixed time. Its input is one JSON argument; it writes the keys
 * of the events the server acknowledged (2xx with `"accepted":1`) to `ackFile`, one a line, and its
 * figures as one JSON line on stdout.
 */
import { writeFileSync } from 'node:fs';
// autocannon ships no types; the part used here is typed below.
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  '2xx': number;
}

export interface LoadClientInput {
  url: string;
  path: string;
  authorization?: string;
  connections: number;
  seconds: number;
  /** Idempotency keys are `${keyPrefix}-${n}`. */
  keyPrefix: string;
  touchpoint: string;
  /** Events name these customers in turn (`id:<id>`). */
  customerIds: string[];
  ackFile: string;
}

export interface LoadClientOutput {
  requests: number;
  acknowledged: number;
  /** 2xx whose body did not acknowledge the event (rejected or duplicate). */
  unacknowledged: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2]) as LoadClientInput;
  let counter = 0;
  const acked: string[] = [];
  let unacknowledged = 0;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (input.authorization) headers.authorization = input.authorization;
  const result = await autocannon({
    url: input.url,
    connections: input.connections,
    duration: input.seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: input.path,
        headers,
        // One request in flight per connection (no pipelining), so the context's key is the one answered.
        setupRequest: (req: Record<string, unknown>, context: { key?: string }) => {
          const n = counter++;
          const key = `${input.keyPrefix}-${n}`;
          context.key = key;
          const customer = input.customerIds[n % input.customerIds.length];
          return { ...req, body: JSON.stringify({ touchpoint: input.touchpoint, customer: `id:${customer}`, properties: { key }, idempotencyKey: key }) };
        },
        onResponse: (status: number, body: string, context: { key?: string }) => {
          if (status < 200 || status >= 300) return;
          if (context.key && body.includes('"accepted":1')) acked.push(context.key);
          else unacknowledged++;
        },
      },
    ],
  });
  writeFileSync(input.ackFile, acked.join('\n'));
  const output: LoadClientOutput = {
    requests: result.requests.total,
    acknowledged: acked.length,
    unacknowledged,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    per_s: acked.length / result.duration,
    p50_ms: result.latency.p50,
    p90_ms: result.latency.p90,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
