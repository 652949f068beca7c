import { BEHAVIOUR_EVENTS, BULK_EVALUATION, DECIDE_EVENTS, DISPATCH_DELIVERIES, eventArrival, JobContract, REACT_TO_FEEDBACK } from '@corridor/contracts';
import { DECIDE_EVENT_TOPIC, DECIDE_RAISED_EVENT_TOPIC, DISPATCH_DELIVERY_TOPIC, FEEDBACK_RECORDED_TOPIC, OutboxRow } from '@corridor/persistence';
import { JobProducer } from '@corridor/jobs';

/** The topics the relay claims. */
export const RELAYED_TOPICS = [DECIDE_EVENT_TOPIC, DECIDE_RAISED_EVENT_TOPIC, DISPATCH_DELIVERY_TOPIC, FEEDBACK_RECORDED_TOPIC] as const;

/**
 * Events (deliveries) per batch job: small enough that one claim spreads over the workers'
 * concurrency, large enough that a transaction carries many. At a trickle a claim holds one or two
 * rows, and the job is that small.
 */
export const RELAY_JOB_BATCH = 50;

/**
 * Enqueues what outbox rows announce, by topic: `decide-event` → DECIDE_EVENTS, `dispatch-delivery`
 * → DISPATCH_DELIVERIES (first attempts), both in batches of RELAY_JOB_BATCH rows in id order,
 * `feedback-recorded` → REACT_TO_FEEDBACK, `decide-raised-event` → DECIDE_EVENTS at the bulk
 * priority (BullMQ takes unprioritised jobs first: events customers cause never wait behind a
 * publish's persona_changed burst). Job ids are deterministic, so a batch relayed twice is one job
 * while BullMQ remembers it (and decisions and deliveries are unique in Postgres anyway).
 * An unknown topic is a bug in a producer: it throws, and the rows stay unrelayed and visible.
 * Returns, per row id, the id of the job that carries the row's work (stamped on the row: the
 * reconciler asks BullMQ whether a decide batch is still queued before re-queuing its events).
 *
 * The batch's events also go, as one BEHAVIOUR_EVENTS job (per priority), to the behavioural
 * attributes: enqueued with the decide jobs, before the rows are stamped, so it is as durable as
 * they are, costs the ingest nothing, and coalesces a burst into one recompute per batch.
 */
export async function publishOutboxRows(jobs: JobProducer, rows: readonly OutboxRow[]): Promise<Map<string, string>> {
  const decide: OutboxRow[] = [];
  const raised: OutboxRow[] = [];
  const dispatch: OutboxRow[] = [];
  const feedback: OutboxRow[] = [];
  for (const r of rows) {
    if (r.topic === DECIDE_EVENT_TOPIC) decide.push(r);
    else if (r.topic === DECIDE_RAISED_EVENT_TOPIC) raised.push(r);
    else if (r.topic === DISPATCH_DELIVERY_TOPIC) dispatch.push(r);
    else if (r.topic === FEEDBACK_RECORDED_TOPIC) feedback.push(r);
    else throw new Error(`outbox row ${r.id} has unknown topic ${JSON.stringify(r.topic)}`);
  }
  const jobIds = new Map<string, string>();
  /** Each chunk's payload, its job id recorded for the chunk's rows. */
  const payloads = <P extends object>(contract: JobContract<P>, groups: OutboxRow[][], payload: (rows: OutboxRow[]) => P): P[] =>
    groups.map((group) => {
      const p = payload(group);
      const id = contract.jobId(p);
      if (id) for (const r of group) jobIds.set(r.id, id);
      return p;
    });
  await Promise.all([
    jobs.enqueueMany(DECIDE_EVENTS, payloads(DECIDE_EVENTS, chunks(decide), decideBatch)),
    jobs.enqueueMany(DECIDE_EVENTS, payloads(DECIDE_EVENTS, chunks(raised), decideBatch), BULK_EVALUATION),
    jobs.enqueueMany(DISPATCH_DELIVERIES, payloads(DISPATCH_DELIVERIES, chunks(dispatch), (group) => ({ deliveryIds: group.map((r) => r.ref) }))),
    jobs.enqueueMany(REACT_TO_FEEDBACK, payloads(REACT_TO_FEEDBACK, feedback.map((r) => [r]), ([r]) => ({ outcomeId: r.ref }))),
    jobs.enqueueMany(BEHAVIOUR_EVENTS, decide.length ? [{ eventIds: decide.map((r) => r.ref) }] : []),
    jobs.enqueueMany(BEHAVIOUR_EVENTS, raised.length ? [{ eventIds: raised.map((r) => r.ref) }] : [], BULK_EVALUATION),
  ]);
  return jobIds;
}

/**
 * A decide batch with its events' arrival: an event's outbox row is written with the event, so its
 * created_at is the event's received_at (the partition key the decide path then bounds its reads by).
 */
function decideBatch(rows: readonly OutboxRow[]): { eventIds: string[]; receivedFrom?: string; receivedTo?: string } {
  const created = rows.map((r) => r.createdAt);
  return { eventIds: rows.map((r) => r.ref), ...(created.every((t): t is Date => t instanceof Date) ? eventArrival(created) : {}) };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += RELAY_JOB_BATCH) out.push(items.slice(i, i + RELAY_JOB_BATCH));
  return out;
}
