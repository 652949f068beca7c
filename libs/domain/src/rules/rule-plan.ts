import type { AttributeDefinition } from '../attributes/attribute';
import type { RulePattern } from './rule-regex';
import type { RuleOperator } from './rule-types';

/**
 * A validated rule, resolved once: attributes looked up, strings trimmed (and lower-cased when
 * case is ignored), dates parsed, regexes compiled. The compiler and the explainer both work
 * from this, never from the raw JSON.
 */
export type PlanNode = PlanGroup | PlanNot | PlanCondition;

export interface PlanGroup {
  kind: 'all' | 'any';
  path: string;
  children: readonly PlanNode[];
}

export interface PlanNot {
  kind: 'not';
  path: string;
  child: PlanNode;
}

export interface PlanCondition {
  kind: 'condition';
  path: string;
  attribute: AttributeDefinition;
  operator: RuleOperator;
  /** The rule's value as written, echoed in explanations; undefined for is_set / is_not_set. */
  value: unknown;
  /** As written, when written. */
  caseSensitiveGiven: boolean | undefined;
  caseSensitive: boolean;
  operand: Operand;
}

/** A date in a rule: an instant, or a plain date whose bounds depend on the evaluation zone. */
export type RuleDate = { kind: 'instant'; ms: number } | { kind: 'plain'; day: number };

export type Operand =
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  | { kind: 'texts'; texts: readonly string[] }
  | { kind: 'regex'; regex: RulePattern }
  | { kind: 'number'; value: number }
  | { kind: 'numbers'; values: readonly number[] }
  | { kind: 'number_range'; low: number; high: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; date: RuleDate }
  | { kind: 'date_range'; low: RuleDate; high: RuleDate }
  | { kind: 'days'; days: number };
