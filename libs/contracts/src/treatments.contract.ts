import { IsInt, Matches, Min } from 'class-validator';
import { defineJob, jobIdOf } from './job-contract';
import { QUEUE } from './queue-names';

const BIGINT_ID = /^[0-9]{1,19}$/;

export class DecideEventPayload {
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

/** Every job of the touchpoint-events queue (its processor must handle each). */
export const TOUCHPOINT_EVENT_JOBS = [DECIDE_EVENT] as const;

export class DispatchDeliveryPayload {
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
