import type { Channel, JourneyStage, Touchpoint } from './journey';
import type { Treatment } from './treatment';

/** One choice in a cell: the first option whose condition holds wins (no condition: always holds). */
export interface StrategyOption {
  treatmentKey: string;
  /** A rule-language node over customer attributes and `event.*` properties; absent: always. */
  condition?: unknown;
}

/** The strategy for one persona at one touchpoint. An empty or missing cell means "no treatment". */
export interface StrategyCell {
  personaKey: string;
  touchpointKey: string;
  options: StrategyOption[];
}

export type CapPeriod = 'day' | 'week' | 'month';

/** At most `max` treatments per customer per period, counted in the customer's time zone. */
export interface FrequencyCap {
  /** `channel`: every treatment on that channel; `treatment`: one treatment. */
  scope: 'channel' | 'treatment';
  /** The channel or the treatment key. */
  key: string;
  period: CapPeriod;
  max: number;
}

/** Consent for a channel: the customer is not to be contacted on it when the attribute holds the value. */
export interface ConsentRule {
  channel: Channel;
  /** A catalog attribute (e.g. `email_opt_out`, Salesforce `DoNotCall` mapped to `do_not_call`). */
  attribute: string;
  /** The value that means "no consent" (default true). */
  refusedWhen?: string | number | boolean;
}

export interface QuietHours {
  /** Local times `HH:mm` in the customer's zone; a window may wrap midnight (21:00 → 08:00). */
  start: string;
  end: string;
  /** Channels it applies to (typically phone, sms, push); held treatments are released when it ends. */
  channels: Channel[];
}

export interface ContactPolicies {
  consent: ConsentRule[];
  caps: FrequencyCap[];
  quietHours: QuietHours | null;
  /** Share of customers (0-50 %) kept out of every treatment to measure lift; 0: none. */
  holdoutPercent: number;
  /** The keyed hash's key: changing it reshuffles the holdout (so it is set once, at creation). */
  holdoutSalt: string;
  /** Catalog attribute holding the customer's IANA time zone. */
  timeZoneAttribute: string;
  /** Zone used when the customer has none (or an invalid one). */
  defaultTimeZone: string;
}

export const DEFAULT_CONTACT_POLICIES: ContactPolicies = {
  consent: [],
  caps: [],
  quietHours: null,
  holdoutPercent: 0,
  holdoutSalt: 'corridor',
  timeZoneAttribute: 'time_zone',
  defaultTimeZone: 'UTC',
};

/**
 * A published strategy, frozen: everything a decision needs, so a decision made with version N
 * is reproducible whatever changed since. Stored as one JSON document per version.
 */
export interface PublishedStrategy {
  version: number;
  publishedAt: string;
  stages: JourneyStage[];
  touchpoints: Touchpoint[];
  treatments: Treatment[];
  cells: StrategyCell[];
  policies: ContactPolicies;
}
