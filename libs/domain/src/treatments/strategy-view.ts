import type { Attributes } from '../attributes/attribute';
import { customerTimeZone } from './contact-policies';
import { applyContactPolicies, type CompiledStrategy } from './decide';
import type { DecisionOutcome, DecisionReason } from './decision';
import type { CountedDelivery } from './frequency-caps';
import type { Touchpoint } from './journey';
import { cellKey, EVENT_ATTRIBUTE_PREFIX } from './strategy-conditions';
import type { Treatment } from './treatment';

/** How an option's condition reads for this customer now, before any event. */
export type OptionStanding = 'always' | 'holds' | 'does_not_hold' | 'depends_on_event';

export interface TouchpointPreview {
  touchpoint: Touchpoint;
  /** What the customer would get now; with `dependsOnEvent`, what they get when the event's conditions do not pick an earlier option. */
  outcome: DecisionOutcome;
  treatment: Treatment | null;
  optionIndex: number | null;
  /** An earlier option's condition reads event properties: the event decides between it and this one. */
  dependsOnEvent: boolean;
  options: Array<{ index: number; treatmentKey: string; standing: OptionStanding }>;
  reasons: DecisionReason[];
}

/** Whether a rule-language node reads any `event.*` attribute (walks every nested `attribute`). */
export function readsEventProperties(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsEventProperties);
  if (node === null || typeof node !== 'object') return false;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'attribute' && typeof v === 'string' && v.startsWith(EVENT_ATTRIBUTE_PREFIX)) return true;
    if (typeof v === 'object' && readsEventProperties(v)) return true;
  }
  return false;
}

/**
 * The agent's view of one touchpoint: which option would win for this customer now and what the
 * contact policies would do with it (consent, holdout, quiet hours until when, a cap reached until
 * when). Options whose conditions read `event.*` cannot be settled without the event: they are
 * reported as "depends on the event", and the answer is the first option that holds regardless.
 */
export function previewTouchpoint(input: {
  now: number;
  strategy: CompiledStrategy;
  touchpoint: Touchpoint;
  personaKey: string | null;
  customer: { id: string; attributes: Attributes };
  counted: readonly CountedDelivery[];
}): TouchpointPreview {
  const { strategy, touchpoint } = input;
  const base = { touchpoint, treatment: null, optionIndex: null, dependsOnEvent: false, options: [] as TouchpointPreview['options'] };
  if (!input.personaKey) return { ...base, outcome: 'no_treatment', reasons: [{ code: 'NO_PERSONA', message: 'The customer has no live persona' }] };
  const cell = strategy.cells.get(cellKey(input.personaKey, touchpoint.key));
  const source = strategy.strategy.cells.find((c) => c.personaKey === input.personaKey && c.touchpointKey === touchpoint.key);
  if (!cell || !source || cell.options.length === 0) {
    return { ...base, outcome: 'no_treatment', reasons: [{ code: 'NO_CELL', message: `Nothing planned for persona ${input.personaKey} here` }] };
  }
  const zone = customerTimeZone(strategy.strategy.policies, input.customer.attributes);
  const options = cell.options.map((o) => {
    let standing: OptionStanding;
    if (o.rule === null) standing = 'always';
    else if (readsEventProperties(source.options[o.index]?.condition)) standing = 'depends_on_event';
    else standing = o.rule.bind({ now: input.now, timeZone: zone })(input.customer.attributes) ? 'holds' : 'does_not_hold';
    return { index: o.index, treatmentKey: o.treatmentKey, standing };
  });
  const winner = options.find((o) => o.standing === 'always' || o.standing === 'holds');
  const dependsOnEvent = options.some((o) => o.standing === 'depends_on_event' && (!winner || o.index < winner.index));
  const shown = { ...base, options, dependsOnEvent };
  if (!winner) {
    return { ...shown, outcome: 'no_treatment', reasons: [{ code: 'NO_OPTION_MATCHED', message: dependsOnEvent ? 'Only an option that depends on the event could apply' : 'No option condition holds for this customer' }] };
  }
  const treatment = strategy.treatments.get(winner.treatmentKey) ?? null;
  const matched: DecisionReason = {
    code: 'OPTION_MATCHED',
    message: `Option ${winner.index + 1} (${winner.treatmentKey}) ${winner.standing === 'always' ? 'applies always' : 'condition holds'}${dependsOnEvent ? ', unless the event picks an earlier option' : ''}`,
    details: { optionIndex: winner.index, treatmentKey: winner.treatmentKey },
  };
  const chosen = { ...shown, treatment, optionIndex: winner.index };
  if (!treatment || treatment.type === 'no_action') return { ...chosen, outcome: 'no_treatment', reasons: [matched, { code: 'NO_ACTION', message: 'The option is "no action"' }] };
  const policy = applyContactPolicies({ now: input.now, customer: input.customer, strategy, treatment, touchpoint, counted: input.counted, zone });
  return { ...chosen, outcome: policy.outcome, reasons: [matched, ...policy.reasons] };
}

/** Touchpoints in journey order: stage position, then position within the stage, then key. */
export function journeyOrder(strategy: CompiledStrategy): Touchpoint[] {
  const stage = new Map(strategy.strategy.stages.map((s) => [s.key, s.position]));
  return [...strategy.strategy.touchpoints].sort(
    (a, b) => (stage.get(a.stageKey) ?? Number.MAX_SAFE_INTEGER) - (stage.get(b.stageKey) ?? Number.MAX_SAFE_INTEGER) || a.position - b.position || a.key.localeCompare(b.key),
  );
}
