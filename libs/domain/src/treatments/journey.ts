import type { AttributeDefinition } from '../attributes/attribute';

/**
 * The customer journey as admins map it: ordered stages, and the touchpoints in them where
 * Corridor treats a customer according to the strategy.
 */

export interface JourneyStage {
  /** `^[a-z][a-z0-9_]{0,62}$`, stable: touchpoints and strategies refer to it. */
  key: string;
  name: string;
  /** 1-based order in the journey. */
  position: number;
}

/** Stages a new installation starts with; admins may rename, add and reorder. */
export const DEFAULT_JOURNEY_STAGES: readonly JourneyStage[] = [
  { key: 'awareness', name: 'Awareness', position: 1 },
  { key: 'consideration', name: 'Consideration', position: 2 },
  { key: 'purchase', name: 'Purchase', position: 3 },
  { key: 'onboarding', name: 'Onboarding and delivery', position: 4 },
  { key: 'service', name: 'Service', position: 5 },
  { key: 'loyalty', name: 'Loyalty and renewal', position: 6 },
];

export const CHANNELS = ['web', 'email', 'phone', 'chat', 'sms', 'push', 'in_store', 'partner', 'social', 'crm', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Touchpoint {
  key: string;
  name: string;
  stageKey: string;
  channel: Channel;
  /** Major touchpoints are the journey's backbone; more than ten usually maps the org chart. */
  major: boolean;
  /** One of the few moments that decide how the customer feels (they win priority; gap report). */
  momentOfTruth: boolean;
  /** Team or third party that runs it (intermediaries run some touchpoints). */
  owner: string;
  description: string;
  /** Raised by Corridor itself (`persona_changed`); cannot be deleted. */
  builtIn: boolean;
  /** Order within its stage (1-based). */
  position: number;
  /**
   * Event properties this touchpoint's events carry, typed so strategy conditions can use them as
   * `event.<name>` attributes (validated like any rule). Undeclared properties are stored, not used.
   */
  eventProperties: AttributeDefinition[];
}

/** Raised by Corridor when a customer's live persona changes (event properties: from, to, cause). */
export const PERSONA_CHANGED_TOUCHPOINT = 'persona_changed';

/** Past this many major touchpoints, the answer carries a warning (a journey, not an org chart). */
export const MAJOR_TOUCHPOINTS_WARNING_THRESHOLD = 10;
