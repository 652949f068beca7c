import { BEHAVIOUR_EVENTS, BULK_EVALUATION, DECIDE_EVENT, DISPATCH_DELIVERY, REACT_TO_FEEDBACK } from '@corridor/contracts';
import { DECIDE_EVENT_TOPIC, DECIDE_RAISED_EVENT_TOPIC, FEEDBACK_RECORDED_TOPIC, OutboxRow } from '@corridor/persistence';
import { JobProducer } from '@corridor/jobs';

export const DISPATCH_DELIVERY_TOPIC = 'dispatch-delivery';


/** The topics the relay claims. */
export const RELAYED_TOPICS = [DECIDE_EVENT_TOPIC, DECIDE_RAISED_EVENT_TOPIC, DISPATCH_DELIVERY_TOPIC, FEEDBACK_RECORDED_TOPIC] as const;

/**
 * Enqueues what outbox rows announce, by topic: `decide-event` → DECIDE_EVENT, `dispatch-delivery`
 * → DISPATCH_DELIVERY attempt 1, `feedback-recorded` → REACT_TO_FEEDBACK, `decide-raised-event` → DECIDE_EVENT at the bulk priority (BullMQ
 * takes unprioritised jobs first: events customers cause never wait behind a publish's
 * persona_changed burst). Job ids are deterministic, so a row relayed twice is one job.
 * An unknown topic is a bug in a producer: it throws, and the rows stay unrelayed and visible.
 *
 * The batch's events also go, as one BEHAVIOUR_EVENTS job (per priority), to the behavioural
 * attributes: enqueued with the decide jobs, before the rows are stamped, so it is as durable as
 * they are, costs the ingest nothing, and coalesces a burst into one recompute per batch.
 */
export async function publishOutboxRows(jobs: JobProducer, rows: readonly OutboxRow[]): Promise<void> {
  const decide: Array<{ eventId: string }> = [];
  const raised: Array<{ eventId: string }> = [];
  const dispatch: Array<{ deliveryId: string; attempt: number }> = [];
  const feedback: Array<{ outcomeId: string }> = [];
  for (const r of rows) {
    if (r.topic === DECIDE_EVENT_TOPIC) decide.push({ eventId: r.ref });
    else if (r.topic === DECIDE_RAISED_EVENT_TOPIC) raised.push({ eventId: r.ref });
    else if (r.topic === DISPATCH_DELIVERY_TOPIC) dispatch.push({ deliveryId: r.ref, attempt: 1 });
    else if (r.topic === FEEDBACK_RECORDED_TOPIC) feedback.push({ outcomeId: r.ref });
    else throw new Error(`outbox row ${r.id} has unknown topic ${JSON.stringify(r.topic)}`);
  }
  await Promise.all([
    jobs.enqueueMany(DECIDE_EVENT, decide),
    jobs.enqueueMany(DECIDE_EVENT, raised, BULK_EVALUATION),
    jobs.enqueueMany(DISPATCH_DELIVERY, dispatch),
    jobs.enqueueMany(REACT_TO_FEEDBACK, feedback),
    jobs.enqueueMany(BEHAVIOUR_EVENTS, decide.length ? [{ eventIds: decide.map((d) => d.eventId) }] : []),
    jobs.enqueueMany(BEHAVIOUR_EVENTS, raised.length ? [{ eventIds: raised.map((d) => d.eventId) }] : [], BULK_EVALUATION),
  ]);
}
