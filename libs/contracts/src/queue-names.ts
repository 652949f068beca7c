/** One queue per kind of work; names are stable (they are Redis keys). */
export const QUEUE = {
  crmSync: 'crm-sync',
  segmentation: 'segmentation',
  /** One customer's (or a few customers') re-evaluation: never behind the bulk chunks of `segmentation`. */
  segmentationLive: 'segmentation-live',
  crmWriteback: 'crm-writeback',
  touchpointEvents: 'touchpoint-events',
  treatmentDispatch: 'treatment-dispatch',
  /** Reactions to outcomes and feedback (experience score, recovery). */
  outcomes: 'outcomes',
  /** Periodic sweeps over outcomes (inferred `ignored`): bulk, so never ahead of a customer's feedback on `outcomes`. */
  outcomeSweeps: 'outcome-sweeps',
  /** Folding the measure counters' deltas into daily rows (periodic, small). */
  measures: 'measures',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export const ALL_QUEUES: readonly QueueName[] = Object.values(QUEUE);
