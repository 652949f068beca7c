import type { AttributeCatalog } from '../attributes/attribute';
import type { ErrorDetail } from '../errors/domain-error';
import { collectAttributes } from '../personas/persona-set-builder';
import { compileRule } from '../rules/rule-compiler';
import { CHANNELS, type Touchpoint } from './journey';
import type { ContactPolicies, StrategyCell } from './strategy';
import { EVENT_ATTRIBUTE_PREFIX, strategyConditionCatalog } from './strategy-conditions';
import type { Treatment } from './treatment';

export const STRATEGY_LIMITS = { maxCells: 5000, maxOptionsPerCell: 20, maxCaps: 50, maxConsentRules: 50, maxHoldoutPercent: 50 } as const;

export interface StrategyDraftInput {
  cells: StrategyCell[];
  policies: ContactPolicies;
}

export interface StrategyCheckContext {
  /** Persona keys a cell may name (every persona that is not archived). */
  personaKeys: ReadonlySet<string>;
  touchpoints: readonly Touchpoint[];
  treatments: readonly Treatment[];
  /** The customer attribute catalog; conditions also read the touchpoint's `event.*` properties. */
  catalog: AttributeCatalog;
  isTimeZone(zone: string): boolean;
}

export interface StrategyCheck {
  /** Refuse the draft when any: each names its place (`cells[2].options[0].condition.$.all[1]`). */
  errors: ErrorDetail[];
  /** Allowed, but probably not meant (an option after an unconditional one can never win). */
  warnings: ErrorDetail[];
}

/** Every problem in a draft strategy, each at its place; pure. */
export function checkStrategyDraft(draft: StrategyDraftInput, ctx: StrategyCheckContext): StrategyCheck {
  const errors: ErrorDetail[] = [];
  const warnings: ErrorDetail[] = [];
  const touchpoints = new Map(ctx.touchpoints.map((t) => [t.key, t]));
  const treatments = new Map(ctx.treatments.map((t) => [t.key, t]));
  const seen = new Map<string, number>();

  if (draft.cells.length > STRATEGY_LIMITS.maxCells) {
    errors.push({ field: 'cells', message: `has ${draft.cells.length} cells; at most ${STRATEGY_LIMITS.maxCells}`, code: 'TOO_MANY_CELLS' });
  }
  draft.cells.forEach((cell, i) => {
    const at = `cells[${i}]`;
    if (!ctx.personaKeys.has(cell.personaKey)) errors.push({ field: `${at}.personaKey`, message: `names no persona: ${cell.personaKey}`, code: 'UNKNOWN_PERSONA' });
    const touchpoint = touchpoints.get(cell.touchpointKey);
    if (!touchpoint) errors.push({ field: `${at}.touchpointKey`, message: `names no touchpoint: ${cell.touchpointKey}`, code: 'UNKNOWN_TOUCHPOINT' });
    const key = `${cell.personaKey}\u0000${cell.touchpointKey}`;
    if (seen.has(key)) {
      errors.push({ field: at, message: `repeats cells[${seen.get(key)}] (${cell.personaKey} × ${cell.touchpointKey})`, code: 'DUPLICATE_CELL' });
    } else seen.set(key, i);
    if (cell.options.length > STRATEGY_LIMITS.maxOptionsPerCell) {
      errors.push({ field: `${at}.options`, message: `has ${cell.options.length} options; at most ${STRATEGY_LIMITS.maxOptionsPerCell}`, code: 'TOO_MANY_OPTIONS' });
    }
    const catalog = strategyConditionCatalog(ctx.catalog, touchpoint?.eventProperties ?? []);
    let unconditionalAt: number | null = null;
    cell.options.forEach((option, j) => {
      const oat = `${at}.options[${j}]`;
      if (!treatments.has(option.treatmentKey)) errors.push({ field: `${oat}.treatmentKey`, message: `names no treatment: ${option.treatmentKey}`, code: 'UNKNOWN_TREATMENT' });
      if (unconditionalAt !== null) {
        warnings.push({ field: oat, message: `can never be chosen: options[${unconditionalAt}] has no condition and always wins first`, code: 'UNREACHABLE_OPTION' });
      }
      if (option.condition === undefined || option.condition === null) {
        unconditionalAt ??= j;
        return;
      }
      if (!touchpoint) return; // the touchpoint error says it; its event properties are unknown
      try {
        compileRule(option.condition, catalog);
      } catch (e) {
        const details = (e as { details?: ErrorDetail[] }).details;
        if (!Array.isArray(details)) throw e;
        for (const d of details) errors.push({ ...d, field: `${oat}.condition.${d.field}` });
      }
    });
  });

  checkPolicies(draft.policies, ctx, treatments, errors, warnings);
  return { errors, warnings };
}

function checkPolicies(p: ContactPolicies, ctx: StrategyCheckContext, treatments: Map<string, Treatment>, errors: ErrorDetail[], warnings: ErrorDetail[]): void {
  const channels = new Set<string>(CHANNELS);
  if (p.consent.length > STRATEGY_LIMITS.maxConsentRules) errors.push({ field: 'policies.consent', message: `at most ${STRATEGY_LIMITS.maxConsentRules} rules`, code: 'TOO_MANY_RULES' });
  p.consent.forEach((rule, i) => {
    if (!channels.has(rule.channel)) errors.push({ field: `policies.consent[${i}].channel`, message: `must be one of ${CHANNELS.join(', ')}`, code: 'UNKNOWN_CHANNEL' });
    if (!ctx.catalog.has(rule.attribute)) errors.push({ field: `policies.consent[${i}].attribute`, message: `names no attribute: ${rule.attribute}`, code: 'UNKNOWN_ATTRIBUTE' });
  });
  if (p.caps.length > STRATEGY_LIMITS.maxCaps) errors.push({ field: 'policies.caps', message: `at most ${STRATEGY_LIMITS.maxCaps} caps`, code: 'TOO_MANY_CAPS' });
  p.caps.forEach((cap, i) => {
    if (cap.scope === 'channel' && !channels.has(cap.key)) errors.push({ field: `policies.caps[${i}].key`, message: `must be a channel (${CHANNELS.join(', ')})`, code: 'UNKNOWN_CHANNEL' });
    if (cap.scope === 'treatment' && !treatments.has(cap.key)) errors.push({ field: `policies.caps[${i}].key`, message: `names no treatment: ${cap.key}`, code: 'UNKNOWN_TREATMENT' });
  });
  if (p.quietHours) {
    if (p.quietHours.start === p.quietHours.end) errors.push({ field: 'policies.quietHours.end', message: 'must differ from start (an empty window)', code: 'EMPTY_WINDOW' });
    p.quietHours.channels.forEach((c, i) => {
      if (!channels.has(c)) errors.push({ field: `policies.quietHours.channels[${i}]`, message: `must be one of ${CHANNELS.join(', ')}`, code: 'UNKNOWN_CHANNEL' });
    });
  }
  if (!(p.holdoutPercent >= 0 && p.holdoutPercent <= STRATEGY_LIMITS.maxHoldoutPercent)) {
    errors.push({ field: 'policies.holdoutPercent', message: `must be between 0 and ${STRATEGY_LIMITS.maxHoldoutPercent}`, code: 'OUT_OF_RANGE' });
  }
  if (!ctx.isTimeZone(p.defaultTimeZone)) errors.push({ field: 'policies.defaultTimeZone', message: `is not an IANA time zone: ${p.defaultTimeZone}`, code: 'INVALID_TIME_ZONE' });
  if (!ctx.catalog.has(p.timeZoneAttribute)) {
    warnings.push({ field: 'policies.timeZoneAttribute', message: `names no attribute yet (${p.timeZoneAttribute}): every customer gets defaultTimeZone`, code: 'UNKNOWN_ATTRIBUTE' });
  }
}

/** The `event.*` properties an option's condition reads (empty: it depends on the customer alone). */
export function eventPropertiesOf(condition: unknown): string[] {
  if (condition === undefined || condition === null) return [];
  return [...collectAttributes(condition, new Set())].filter((a) => a.startsWith(EVENT_ATTRIBUTE_PREFIX)).map((a) => a.slice(EVENT_ATTRIBUTE_PREFIX.length)).sort();
}
