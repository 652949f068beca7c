import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsISO8601, IsOptional, Matches, Min } from 'class-validator';
import { defineJob, jobIdOf } from './job-contract';
import { QUEUE } from './queue-names';

const BIGINT_ID = /^[0-9]{1,19}$/;

/**
 * When the job's events arrived (their `received_at`, the month partition key of events, decisions
 * and deliveries), inclusive at millisecond precision: with both set, the worker's lookups by id
 * read only the partitions of those months. A hint, not a filter: an id not found within it is
 * looked up in every month, and a job without it (enqueued before it existed) works as it did.
 */
export abstract class EventArrival {
  @IsOptional()
  @IsISO8601({ strict: true })
  receivedFrom?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  receivedTo?: string;
}

export class DecideEventPayload extends EventArrival {
  @Matches(BIGINT_ID)
  eventId: string;
}

/**
 * Decide what a touchpoint event gets (strategy cell, option, contact policies) and create its
 * deliveries. The event row is the truth: the job only says "decide this one"; the unique
 * (event, touchpoint) decision makes a repeat harmless.
 */
export const DECIDE_EVENT = defineJob({
  queue: QUEUE.touchpointEvents,
  name: 'decide-event',
  payload: DecideEventPayload,
  jobId: (p) => jobIdOf('decide', p.eventId),
});

/** The most events (or deliveries) one batch job carries. */
export const MAX_JOB_BATCH = 200;

export class DecideEventsPayload extends EventArrival {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_JOB_BATCH)
  @Matches(BIGINT_ID, { each: true })
  eventIds: string[];
}

/**
 * Decide several touchpoint events in one job and one transaction (what the outbox relay enqueues:
 * the events one claim of outbox rows announced). Each event is decided exactly as DECIDE_EVENT
 * would; the id names the batch's first and last event and its size, so a batch relayed twice
 * (a claim whose stamp was lost) is one job while BullMQ remembers it.
 */
export const DECIDE_EVENTS = defineJob({
  queue: QUEUE.touchpointEvents,
  name: 'decide-events',
  payload: DecideEventsPayload,
  jobId: (p) => jobIdOf('decide-batch', p.eventIds[0], p.eventIds[p.eventIds.length - 1], p.eventIds.length),
});

/** Every job of the touchpoint-events queue (its processor must handle each). */
export const TOUCHPOINT_EVENT_JOBS = [DECIDE_EVENT, DECIDE_EVENTS] as const;

export class DispatchDeliveryPayload extends EventArrival {
  @Matches(BIGINT_ID)
  deliveryId: string;

  /** The attempt this job makes (1-based): part of the job id, so a retry is a new job. */
  @IsInt()
  @Min(1)
  attempt: number;
}

/** Make one attempt at a delivery (signed webhook, or a CRM task/property/list). */
export const DISPATCH_DELIVERY = defineJob({
  queue: QUEUE.treatmentDispatch,
  name: 'dispatch-delivery',
  payload: DispatchDeliveryPayload,
  jobId: (p) => jobIdOf('dispatch', p.deliveryId, String(p.attempt)),
});

export class DispatchDeliveriesPayload extends EventArrival {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_JOB_BATCH)
  @Matches(BIGINT_ID, { each: true })
  deliveryIds: string[];
}

/**
 * First attempts at several deliveries in one job (what the outbox relay enqueues for new pending
 * deliveries): their rows locked together, the requests sent concurrently, the results written in
 * one statement. A delivery that needs another attempt continues as DISPATCH_DELIVERY jobs.
 */
export const DISPATCH_DELIVERIES = defineJob({
  queue: QUEUE.treatmentDispatch,
  name: 'dispatch-deliveries',
  payload: DispatchDeliveriesPayload,
  jobId: (p) => jobIdOf('dispatch-batch', p.deliveryIds[0], p.deliveryIds[p.deliveryIds.length - 1], p.deliveryIds.length),
});

/** Every job of the treatment-dispatch queue (its processor must handle each). */
export const TREATMENT_DISPATCH_JOBS = [DISPATCH_DELIVERY, DISPATCH_DELIVERIES] as const;

/**
 * The `EventArrival` hint covering these arrival instants (empty when there are none). Millisecond
 * precision: the store widens the range by a millisecond each side for `received_at`'s microseconds.
 */
export function eventArrival(times: Iterable<Date | string>): Pick<EventArrival, 'receivedFrom' | 'receivedTo'> {
  let min = Infinity;
  let max = -Infinity;
  for (const t of times) {
    const ms = typeof t === 'string' ? Date.parse(t) : t.getTime();
    if (Number.isNaN(ms)) return {};
    if (ms < min) min = ms;
    if (ms > max) max = ms;
  }
  return min === Infinity ? {} : { receivedFrom: new Date(min).toISOString(), receivedTo: new Date(max).toISOString() };
}
