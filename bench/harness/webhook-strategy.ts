import type { DataSource } from 'typeorm';
import { ApiCall, until } from './processes';

/**
 * Sets up, over the API, the simplest strategy that sends one webhook per event: a destination
 * (the bench's receiver), one touchpoint, one webhook treatment with `payloadTemplate`, `customers`
 * imported customers, one persona that takes them all (published and live) and a strategy that
 * treats every customer at the touchpoint with no contact policies: each accepted event means
 * exactly one delivery. Waits until the persona publish's own persona_changed events are decided,
 * so what is measured afterwards is the bench's events alone. Returns the customers' ids.
 */
export async function setUpWebhookStrategy(
  call: ApiCall,
  ds: DataSource,
  opts: {
    receiverUrl: string;
    secret: string;
    touchpoint: string;
    eventProperties: Array<{ name: string; type: 'string' | 'number' }>;
    payloadTemplate: Record<string, string>;
    customers: number;
    timeoutMs: number;
  },
): Promise<string[]> {
  const destination = await call('POST', '/v1/destinations', { name: 'bench receiver', url: opts.receiverUrl, secret: opts.secret, timeoutMs: 5000 });
  await call('POST', '/v1/touchpoints', { key: opts.touchpoint, name: 'Bench touchpoint', stageKey: 'purchase', channel: 'web', eventProperties: opts.eventProperties });
  await call('POST', '/v1/treatments', {
    key: 'bench_hook',
    name: 'Bench webhook',
    type: 'webhook',
    channel: 'email',
    config: { destinationId: destination.id, payloadTemplate: opts.payloadTemplate },
  });
  const rows = Array.from({ length: opts.customers }, (_, i) => JSON.stringify({ id: `b${i}`, attributes: { email: `b${i}@bench.test` } })).join('\n');
  await call('POST', '/v1/customers/import', rows, 'application/x-ndjson');
  await call('POST', '/v1/personas', { key: 'bench', name: 'Bench', rule: { attribute: 'email', operator: 'is_set' } });
  const published = await call('POST', '/v1/personas/publish', { wait: 300 });
  await until('the persona set', async () => (await call('GET', `/v1/segmentation/runs/${published.run.id}`)).status === 'completed', 300_000);
  await call('PUT', '/v1/strategy/draft', { cells: [{ personaKey: 'bench', touchpointKey: opts.touchpoint, options: [{ treatmentKey: 'bench_hook' }] }], policies: { holdoutPercent: 0 } });
  await call('POST', '/v1/strategy/publish', {});
  const undecided = async () => (await ds.query(`SELECT count(*)::int AS n FROM touchpoint_events e WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.event_id = e.id)`))[0].n as number;
  await until('the persona_changed events to be decided', async () => (await undecided()) === 0, opts.timeoutMs);
  return (await ds.query(`SELECT id::text FROM customers ORDER BY id`)).map((r: { id: string }) => r.id);
}
