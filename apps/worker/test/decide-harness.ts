import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DECIDE_EVENT, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import {
  buildPersonaSet,
  CANONICAL_CATALOG,
  DEFAULT_CONTACT_POLICIES,
  DEFAULT_JOURNEY_STAGES,
  type ContactPolicies,
  type PublishedStrategy,
  type Touchpoint,
  type Treatment,
} from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { CustomerRepository, IMPORT_CONNECTION_ID, PersonaRepository, SecretBox, SegmentationStore, StrategyVersionRepository } from '@corridor/persistence';
import { eventually } from '@corridor/testing';

/** Seeds customers, personas, strategies and events directly (other parts of issue 8 build the APIs). */
export class DecideHarness {
  readonly db: DataSource;
  readonly jobs: JobProducer;
  private readonly customers: CustomerRepository;
  private readonly personas: PersonaRepository;
  private readonly store: SegmentationStore;
  private readonly strategies: StrategyVersionRepository;
  private readonly secrets: SecretBox;
  private seq = 0;

  constructor(app: INestApplicationContext) {
    this.db = app.get(DataSource);
    this.jobs = app.get(JobProducer);
    this.customers = app.get(CustomerRepository);
    this.personas = app.get(PersonaRepository);
    this.store = app.get(SegmentationStore);
    this.strategies = app.get(StrategyVersionRepository);
    this.secrets = app.get(SecretBox);
  }

  /**
   * The strategies' webhook destination (DESTINATION_ID): a local receiver answering 200, so the
   * worker's dispatcher delivers what decide creates (the worker must allow 127.0.0.1:
   * DESTINATION_ALLOWED_HOSTS). Returns when each webhook id arrived, and a close function.
   */
  async localDestination(): Promise<{ received: Map<string, number>; close: () => Promise<void> }> {
    const received = new Map<string, number>();
    const server: Server = createServer((req, res) => {
      received.set(String(req.headers['webhook-id']), Date.now());
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const secret = `whsec_${Buffer.from('decide-harness-signing-key-32-bytes!').toString('base64')}`;
    await this.db.query(`INSERT INTO destinations (id, name, url, secret_encrypted) VALUES ($1, 'decide harness', $2, $3)`, [DESTINATION_ID, url, this.secrets.seal(secret)]);
    return { received, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  /** Customers c<i> (country US for the `vip` persona unless said otherwise); returns their ids by external id. */
  async seedCustomers(rows: Array<{ externalId: string; attributes: Record<string, unknown> }>): Promise<Map<string, string>> {
    await this.customers.upsertBatch(IMPORT_CONNECTION_ID, rows);
    const found: Array<{ id: string; external_id: string }> = await this.db.query(`SELECT id::text, external_id FROM customers WHERE external_id = ANY($1)`, [rows.map((r) => r.externalId)]);
    return new Map(found.map((f) => [f.external_id, f.id]));
  }

  /** Publishes personas `vip` (country US) and the fallback, and waits for the run to assign everyone. */
  async publishPersonas(): Promise<void> {
    await this.personas.transaction(async (tx) => {
      const existing = new Map((await tx.list()).map((p) => [p.key, p]));
      if (!existing.has('vip')) {
        await tx.create({ key: 'vip', name: 'VIP', description: 'Customers in the US we call personally', priority: 1, enabled: true, rule: { attribute: 'country', operator: 'equals', value: 'US' } }, null);
      }
    });
    const draft = buildPersonaSet(await this.personas.draftWithVersionIds(), CANONICAL_CATALOG);
    const { plan } = (await this.store.publish(draft, { timeZone: 'UTC', publishedBy: null, chunkSize: 1000, now: new Date() }))!;
    await this.jobs.enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId: plan.run.id } },
      plan.chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId: plan.run.id, chunk } })),
    );
    await eventually(async () => {
      const run = await this.store.getRun(plan.run.id);
      return run && run.status === 'completed';
    }, 'the persona run', 60_000);
  }

  async publishStrategy(policies: Partial<ContactPolicies>, cells?: PublishedStrategy['cells']): Promise<PublishedStrategy> {
    const published = await this.strategies.publish(
      {
        stages: [...DEFAULT_JOURNEY_STAGES],
        touchpoints: TOUCHPOINTS,
        treatments: TREATMENTS,
        cells: cells ?? CELLS,
        policies: { ...DEFAULT_CONTACT_POLICIES, ...policies },
      },
      null,
    );
    return published!;
  }

  /** Inserts a touchpoint event (as ingest would) and returns its id; `enqueue` also enqueues DECIDE_EVENT. */
  async event(customerId: string, touchpointKey: string, properties: Record<string, unknown> = {}, enqueue = true): Promise<string> {
    const [{ id }] = await this.db.query(
      `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, properties) VALUES ('api', $1, $2, $3, now(), $4) RETURNING id::text`,
      [`k-${Date.now()}-${++this.seq}`, touchpointKey, customerId, JSON.stringify(properties)],
    );
    if (enqueue) await this.jobs.enqueue(DECIDE_EVENT, { eventId: id });
    return id;
  }

  decisionOf(eventId: string, timeoutMs = 30_000): Promise<DecisionRow> {
    return eventually(async () => {
      const rows: DecisionRow[] = await this.db.query(`SELECT id::text, outcome, persona_key, persona_set_version, strategy_version, option_index, treatment_key, reasons FROM decisions WHERE event_id = $1`, [eventId]);
      return rows[0];
    }, `the decision of event ${eventId}`, timeoutMs);
  }

  async deliveriesOf(eventId: string): Promise<DeliveryRow[]> {
    return this.db.query(`SELECT id::text, decision_id::text, status, treatment_key, channel, moment_of_truth, webhook_id, next_attempt_at, request, connection_id, destination_id FROM deliveries WHERE event_id = $1 ORDER BY id`, [eventId]);
  }

  async outboxFor(deliveryId: string): Promise<number> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'dispatch-delivery' AND ref = $1`, [deliveryId]);
    return n;
  }
}

export interface DecisionRow {
  id: string;
  outcome: string;
  persona_key: string | null;
  persona_set_version: number | null;
  strategy_version: number | null;
  option_index: number | null;
  treatment_key: string | null;
  reasons: Array<{ code: string; message: string; details?: Record<string, unknown> }>;
}

export interface DeliveryRow {
  id: string;
  decision_id: string;
  status: string;
  treatment_key: string;
  channel: string;
  moment_of_truth: boolean;
  webhook_id: string;
  next_attempt_at: Date | null;
  request: Record<string, unknown>;
  connection_id: string | null;
  destination_id: string | null;
}

export const DESTINATION_ID = '3f1a6c1e-9b7d-4c1e-8a52-0d4f3b2a1c9e';

const tp = (key: string, stageKey: string, channel: Touchpoint['channel'], position: number, over: Partial<Touchpoint> = {}): Touchpoint => ({
  key, name: key.replace(/_/g, ' '), stageKey, channel, major: true, momentOfTruth: false, owner: 'cx', description: '', builtIn: false, position,
  eventProperties: [{ name: 'plan', type: 'string' }], ...over,
});

export const TOUCHPOINTS: Touchpoint[] = [
  tp('signup', 'purchase', 'email', 1),
  tp('first_order', 'onboarding', 'email', 1, { momentOfTruth: true }),
  tp('support_call', 'service', 'phone', 1),
  tp('renewal_sms', 'loyalty', 'sms', 1),
  tp('renewal_due', 'loyalty', 'sms', 2, { momentOfTruth: true }),
];

export const TREATMENTS: Treatment[] = [
  { key: 'welcome_mail', name: 'Welcome mail', description: '', channel: 'email', type: 'webhook', config: { destinationId: DESTINATION_ID, payloadTemplate: { to: '{{customer.email}}', persona: '{{persona.key}}', plan: '{{event.plan}}', text: 'Hello {{customer.first_name}}' } } },
  { key: 'pro_task', name: 'Call a pro', description: '', channel: 'crm', type: 'crm_task', config: { subject: 'Call {{customer.first_name}} about {{event.plan}}', dueInDays: 1 } },
  { key: 'vip_script', name: 'VIP script', description: '', channel: 'phone', type: 'agent_script', config: { script: 'Thank them for being a VIP' } },
  { key: 'renewal_text', name: 'Renewal text', description: '', channel: 'sms', type: 'webhook', config: { destinationId: DESTINATION_ID } },
  { key: 'renewal_offer', name: 'Renewal offer', description: '', channel: 'sms', type: 'webhook', config: { destinationId: DESTINATION_ID } },
];

export const CELLS: PublishedStrategy['cells'] = [
  { personaKey: 'vip', touchpointKey: 'signup', options: [
    { treatmentKey: 'pro_task', condition: { attribute: 'event.plan', operator: 'equals', value: 'pro' } },
    { treatmentKey: 'welcome_mail' },
  ] },
  { personaKey: 'vip', touchpointKey: 'first_order', options: [{ treatmentKey: 'welcome_mail' }] },
  { personaKey: 'vip', touchpointKey: 'support_call', options: [{ treatmentKey: 'vip_script' }] },
  { personaKey: 'vip', touchpointKey: 'renewal_sms', options: [{ treatmentKey: 'renewal_text' }] },
  { personaKey: 'vip', touchpointKey: 'renewal_due', options: [{ treatmentKey: 'renewal_offer' }] },
];
