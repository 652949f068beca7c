import type { AttributeCatalog, Attributes } from '../attributes/attribute';
import { activePause, type TreatmentPause } from '../outcomes/treatment-fatigue';
import { consentRefusal, customerTimeZone } from './contact-policies';
import type { DecisionOutcome, DecisionReason } from './decision';
import { displacementsFor, firstCapReached, type CountedDelivery } from './frequency-caps';
import { isHeldOut } from './holdout';
import type { Touchpoint } from './journey';
import { quietHoursRelease } from './quiet-hours';
import type { PublishedStrategy } from './strategy';
import { cellKey, chooseOption, compileCell, conditionAttributes, strategyConditionCatalog, type CompiledCell } from './strategy-conditions';
import { isDelivered, type Treatment } from './treatment';

/** A published strategy with its cells compiled once (strategies are frozen: cache by version). */
export interface CompiledStrategy {
  strategy: PublishedStrategy;
  touchpoints: ReadonlyMap<string, Touchpoint>;
  treatments: ReadonlyMap<string, Treatment>;
  cells: ReadonlyMap<string, CompiledCell>;
}

export function compileStrategy(strategy: PublishedStrategy, customers: AttributeCatalog): CompiledStrategy {
  const touchpoints = new Map(strategy.touchpoints.map((t) => [t.key, t]));
  const cells = new Map<string, CompiledCell>();
  for (const cell of strategy.cells) {
    const tp = touchpoints.get(cell.touchpointKey);
    if (!tp) continue;
    const catalog = strategyConditionCatalog(customers, tp.eventProperties);
    try {
      cells.set(cellKey(cell.personaKey, cell.touchpointKey), compileCell(cell, catalog));
    } catch {
      // Published conditions were valid against the catalog of the day; one that no longer compiles
      // (an attribute deleted since) cannot hold, so its option is skipped rather than failing every decision.
      const options = cell.options.flatMap((o, index) => {
        try {
          return [{ ...compileCell({ ...cell, options: [o] }, catalog).options[0], index }];
        } catch {
          return [];
        }
      });
      cells.set(cellKey(cell.personaKey, cell.touchpointKey), { personaKey: cell.personaKey, touchpointKey: cell.touchpointKey, options });
    }
  }
  return { strategy, touchpoints, treatments: new Map(strategy.treatments.map((t) => [t.key, t])), cells };
}

export interface DecideInput {
  /** The decision instant (epoch ms): the injected clock. */
  now: number;
  event: { touchpointKey: string; properties: Readonly<Record<string, unknown>> };
  customer: { id: string; attributes: Attributes; deleted: boolean };
  /** The customer's live persona, or null when none. */
  personaKey: string | null;
  strategy: CompiledStrategy | null;
  /** The customer's deliveries that count against caps (sent, in flight, or held). */
  counted: readonly CountedDelivery[];
  /** Treatments paused for this customer after ignored deliveries (any still listed past `until` is over). */
  paused?: readonly TreatmentPause[];
}

export interface DecideResult {
  outcome: DecisionOutcome;
  reasons: DecisionReason[];
  optionIndex: number | null;
  treatment: Treatment | null;
  touchpoint: Touchpoint | null;
  /** The delivery to create (treated or held, for treatments that leave Corridor), else null. */
  delivery: { status: 'pending' | 'held'; sendAt: number } | null;
  /** Held deliveries a moment of truth takes the place of under a cap (priority). */
  displace: string[];
  /** The zone caps and quiet hours were read in. */
  timeZone: string;
}

const reason = (code: DecisionReason['code'], message: string, details?: Record<string, unknown>): DecisionReason =>
  details ? { code, message, details } : { code, message };

/**
 * What a touchpoint event gets: the strategy cell for (live persona, touchpoint), its first option
 * whose condition holds (customer attributes and `event.*`), then the contact policies in order:
 * consent for the channel, a pause after ignored deliveries, holdout, quiet hours (held until they end, never dropped), frequency
 * caps counted in the customer's zone at the instant it would reach them, and priority (a moment
 * of truth displaces held treatments that are not, when a cap allows only one). The first policy
 * that stops it records its reason. Pure: the caller supplies the clock and the counted deliveries.
 */
export function decide(input: DecideInput): DecideResult {
  const { strategy, customer } = input;
  const zone = customerTimeZone(strategy?.strategy.policies ?? { timeZoneAttribute: 'time_zone', defaultTimeZone: 'UTC' }, customer.attributes);
  const base = { optionIndex: null, treatment: null, touchpoint: null, delivery: null, displace: [], timeZone: zone };
  if (customer.deleted) return { ...base, outcome: 'suppressed', reasons: [reason('CUSTOMER_DELETED', 'The customer is deleted')] };
  if (!strategy) return { ...base, outcome: 'no_treatment', reasons: [reason('NO_STRATEGY', 'No strategy is published')] };
  const touchpoint = strategy.touchpoints.get(input.event.touchpointKey) ?? null;
  if (!input.personaKey) return { ...base, touchpoint, outcome: 'no_treatment', reasons: [reason('NO_PERSONA', 'The customer has no live persona')] };
  const cell = touchpoint ? strategy.cells.get(cellKey(input.personaKey, touchpoint.key)) : undefined;
  if (!touchpoint || !cell || cell.options.length === 0) {
    return {
      ...base,
      touchpoint,
      outcome: 'no_treatment',
      reasons: [reason('NO_CELL', `The strategy has nothing for persona ${input.personaKey} at touchpoint ${input.event.touchpointKey}`, { personaKey: input.personaKey, touchpointKey: input.event.touchpointKey })],
    };
  }
  const option = chooseOption(cell, conditionAttributes(customer.attributes, input.event.properties), { now: input.now, timeZone: zone });
  if (!option) return { ...base, touchpoint, outcome: 'no_treatment', reasons: [reason('NO_OPTION_MATCHED', 'No option condition holds for this customer and event')] };
  const treatment = strategy.treatments.get(option.treatmentKey) ?? null;
  const matched = reason('OPTION_MATCHED', `Option ${option.index + 1} (${option.treatmentKey}) ${option.rule ? 'condition holds' : 'applies always'}`, {
    optionIndex: option.index,
    treatmentKey: option.treatmentKey,
  });
  const chosen = { ...base, touchpoint, optionIndex: option.index, treatment };
  if (!treatment || treatment.type === 'no_action') {
    return { ...chosen, outcome: 'no_treatment', reasons: [matched, reason('NO_ACTION', 'The option is "no action"')] };
  }
  const policy = applyContactPolicies({ ...input, strategy, treatment, touchpoint, zone });
  return { ...chosen, ...policy, reasons: [matched, ...policy.reasons] };
}

export interface PolicyInput {
  now: number;
  customer: { id: string; attributes: Attributes };
  strategy: CompiledStrategy;
  treatment: Treatment;
  touchpoint: Touchpoint;
  counted: readonly CountedDelivery[];
  paused?: readonly TreatmentPause[];
  zone: string;
}

export type PolicyResult = Pick<DecideResult, 'outcome' | 'reasons' | 'delivery' | 'displace'>;

/**
 * The contact policies for a chosen treatment (exported for the agent's view, which asks "what
 * would happen now"). Agent scripts are read out by an agent already talking to the customer:
 * only the holdout applies to them (consent, caps and quiet hours govern contacting the customer).
 */
export function applyContactPolicies(input: PolicyInput): PolicyResult {
  const { policies } = input.strategy.strategy;
  const { treatment, customer, zone } = input;
  const delivered = isDelivered(treatment.type);
  const none = { delivery: null, displace: [] as string[] };
  if (delivered) {
    const refused = consentRefusal(policies.consent, treatment.channel, customer.attributes);
    if (refused) {
      return {
        ...none,
        outcome: 'suppressed',
        reasons: [reason('CONSENT_REFUSED', `No consent for ${treatment.channel}: ${refused.attribute} is ${JSON.stringify(refused.refusedWhen ?? true)}`, {
          channel: treatment.channel,
          attribute: refused.attribute,
        })],
      };
    }
    const pause = activePause(input.paused, treatment.key, input.now);
    if (pause) {
      const until = new Date(pause.until).toISOString();
      return { ...none, outcome: 'suppressed', reasons: [reason('TREATMENT_PAUSED', `${treatment.key} is paused for this customer until ${until}: ignored too many times in a row`, { treatmentKey: treatment.key, until })] };
    }
  }
  if (isHeldOut(policies.holdoutPercent, policies.holdoutSalt, customer.id)) {
    return { ...none, outcome: 'held_out', reasons: [reason('HOLDOUT', `In the strategy's ${policies.holdoutPercent}% holdout group`, { holdoutPercent: policies.holdoutPercent })] };
  }
  if (!delivered) return { ...none, outcome: 'treated', reasons: [] };
  const releaseAt = quietHoursRelease(policies.quietHours, treatment.channel, input.now, zone);
  const sendAt = releaseAt ?? input.now;
  const candidate = { treatmentKey: treatment.key, channel: treatment.channel, at: sendAt };
  const reached = firstCapReached(policies.caps, candidate, input.counted, zone);
  const reasons: DecisionReason[] = [];
  let displace: string[] = [];
  if (reached) {
    const capDetails = { scope: reached.cap.scope, key: reached.cap.key, period: reached.cap.period, max: reached.cap.max, count: reached.count, until: new Date(reached.until).toISOString(), timeZone: zone };
    const fits = input.touchpoint.momentOfTruth ? displacementsFor(policies.caps, candidate, input.counted, zone) : null;
    if (!fits) {
      return { ...none, outcome: 'suppressed', reasons: [reason('FREQUENCY_CAP', `Cap of ${reached.cap.max} per ${reached.cap.period} on ${reached.cap.scope} ${reached.cap.key} reached until ${capDetails.until}`, capDetails)] };
    }
    displace = fits;
    reasons.push(reason('PRIORITY', `A moment of truth: takes the place of ${fits.length} held treatment(s) under the cap`, { ...capDetails, displaced: fits }));
  }
  if (releaseAt !== null) {
    reasons.push(reason('QUIET_HOURS', `Quiet hours in ${zone}: held until ${new Date(releaseAt).toISOString()}`, { releaseAt: new Date(releaseAt).toISOString(), timeZone: zone }));
    return { outcome: 'held', reasons, delivery: { status: 'held', sendAt }, displace };
  }
  return { outcome: 'treated', reasons, delivery: { status: 'pending', sendAt }, displace };
}
