import type { AttributeCatalog, AttributeDefinition, Attributes } from '../attributes/attribute';
import { compileRule, type CompiledRule } from '../rules/rule-compiler';
import type { EvaluationContext } from '../rules/rule-types';
import type { StrategyCell, StrategyOption } from './strategy';

/** Strategy conditions read event properties as attributes named `event.<property>`. */
export const EVENT_ATTRIBUTE_PREFIX = 'event.';

/** The catalog a cell's conditions are checked and compiled against: the customer's, plus the touchpoint's event properties. */
export function strategyConditionCatalog(customers: AttributeCatalog, eventProperties: readonly AttributeDefinition[]): AttributeCatalog {
  const catalog = new Map(customers);
  for (const p of eventProperties) catalog.set(`${EVENT_ATTRIBUTE_PREFIX}${p.name}`, { ...p, name: `${EVENT_ATTRIBUTE_PREFIX}${p.name}` });
  return catalog;
}

/** What conditions evaluate: the customer's attributes and the event's properties as `event.*`. */
export function conditionAttributes(customer: Attributes, eventProperties: Readonly<Record<string, unknown>>): Attributes {
  const merged: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(customer)) merged[key] = customer[key];
  for (const key of Object.keys(eventProperties)) merged[`${EVENT_ATTRIBUTE_PREFIX}${key}`] = eventProperties[key];
  return merged;
}

export interface CompiledOption {
  index: number;
  treatmentKey: string;
  /** null: no condition, always holds. */
  rule: CompiledRule | null;
}

export interface CompiledCell {
  personaKey: string;
  touchpointKey: string;
  options: CompiledOption[];
}

/** Compiles a cell's option conditions (throws InvalidRuleError on an invalid one: validate first). */
export function compileCell(cell: StrategyCell, catalog: AttributeCatalog): CompiledCell {
  return {
    personaKey: cell.personaKey,
    touchpointKey: cell.touchpointKey,
    options: cell.options.map((o: StrategyOption, index) => ({
      index,
      treatmentKey: o.treatmentKey,
      rule: o.condition === undefined || o.condition === null ? null : compileRule(o.condition, catalog),
    })),
  };
}

/** The first option whose condition holds for these attributes, or null when none does. */
export function chooseOption(cell: CompiledCell, attributes: Attributes, ctx: EvaluationContext): CompiledOption | null {
  for (const option of cell.options) {
    if (option.rule === null || option.rule.bind(ctx)(attributes)) return option;
  }
  return null;
}

export function cellKey(personaKey: string, touchpointKey: string): string {
  return `${personaKey}\u0000${touchpointKey}`;
}
