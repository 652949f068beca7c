import type { Attributes } from '../attributes/attribute';
import { readRaw, type BoundLayout, type EvaluatorLayout } from './evaluator-layout';
import type { PlanCondition, PlanNode } from './rule-plan';
import type { RuleOperator } from './rule-types';
import { missingReason, readBoolean, readNumber, readString, readStringList, type MissingReason } from './value-readers';

/** A customer's value as the condition read it. JSON-serialisable. */
export type ActualValue =
  | {
      state: 'present';
      /** Dates as ISO 8601 instants in UTC; strings trimmed; enum values in the catalog's spelling. */
      value: string | number | boolean | string[];
    }
  | {
      state: 'missing';
      reason: MissingReason;
      /** For `unreadable`: what was stored, as text, cut at 100 characters. */
      stored?: string;
    };

/** One condition that decided a result. */
export interface ConditionOutcome {
  path: string;
  attribute: string;
  operator: RuleOperator;
  /** The rule's value as written; absent for is_set / is_not_set. */
  value?: unknown;
  /** Present when the rule sets it. */
  case_sensitive?: boolean;
  /** The condition's own result, before any enclosing `not`. */
  result: boolean;
  /** Set when an odd number of `not` groups enclose the condition (its result counts inverted). */
  negated?: true;
  actual: ActualValue;
}

/**
 * Why a rule matched or not: the conditions that decided it, in rule order, following the same
 * short-circuit evaluation as the compiled evaluator. For `all`, a failure is decided by its first
 * failing child and a match by every child; for `any`, the reverse.
 */
export interface RuleExplanation {
  matched: boolean;
  conditions: ConditionOutcome[];
}

const STORED_PREVIEW = 100;

/**
 * Interprets a rule for one customer with the same slot readers and bound tests as the compiled
 * evaluator (so the two agree by construction), keeping what the compiled path throws away.
 */
export class RuleExplainer {
  private attributes: Attributes = {};
  private slotValues: unknown[] = [];
  private readonly unset = {};

  constructor(
    private readonly layout: EvaluatorLayout,
    private readonly bound: BoundLayout,
  ) {}

  /** Starts a new customer: clears the memoised reads. */
  forCustomer(attributes: Attributes | null | undefined): this {
    this.attributes = attributes ?? {};
    this.slotValues = this.layout.slots.map(() => this.unset);
    return this;
  }

  explain(plan: PlanNode): RuleExplanation {
    const { result, conditions } = this.node(plan, false);
    return { matched: result, conditions };
  }

  private node(node: PlanNode, negated: boolean): { result: boolean; conditions: ConditionOutcome[] } {
    switch (node.kind) {
      case 'condition':
        return this.condition(node, negated);
      case 'not': {
        const inner = this.node(node.child, !negated);
        return { result: !inner.result, conditions: inner.conditions };
      }
      case 'all':
      case 'any': {
        const decisive = node.kind === 'any';
        const all: ConditionOutcome[] = [];
        for (const child of node.children) {
          const outcome = this.node(child, negated);
          if (outcome.result === decisive) return outcome;
          all.push(...outcome.conditions);
        }
        return { result: !decisive, conditions: all };
      }
    }
  }

  private condition(condition: PlanCondition, negated: boolean): { result: boolean; conditions: ConditionOutcome[] } {
    const value = this.slot(this.layout.slotOf(condition));
    let result: boolean;
    if (condition.operator === 'is_set') result = value !== undefined;
    else if (condition.operator === 'is_not_set') result = value === undefined;
    else result = value !== undefined && this.bound.tests[this.layout.indexOf(condition)]!(value as never);
    // Keys in a fixed order, optional ones left out rather than undefined: the explanation is
    // stored and compared as JSON.
    const outcome: ConditionOutcome = {
      path: condition.path,
      attribute: condition.attribute.name,
      operator: condition.operator,
      ...(condition.value !== undefined && { value: Array.isArray(condition.value) ? [...condition.value] : condition.value }),
      ...(condition.caseSensitiveGiven !== undefined && { case_sensitive: condition.caseSensitiveGiven }),
      result,
      ...(negated && { negated: true as const }),
      actual: this.actual(condition),
    };
    return { result, conditions: [outcome] };
  }

  private slot(index: number): unknown {
    let value = this.slotValues[index];
    if (value === this.unset) {
      const spec = this.layout.slots[index];
      value = this.bound.readers[index](readRaw(this.attributes, spec.attribute.name));
      this.slotValues[index] = value;
    }
    return value;
  }

  private actual(condition: PlanCondition): ActualValue {
    const { attribute } = condition;
    const raw = readRaw(this.attributes, attribute.name);
    let value: string | number | boolean | readonly string[] | undefined;
    switch (attribute.type) {
      case 'string':
        value = readString(raw);
        break;
      case 'string_list':
        value = readStringList(raw);
        break;
      case 'number':
        value = readNumber(raw);
        break;
      case 'boolean':
        value = readBoolean(raw);
        break;
      case 'enum': {
        const reader = this.layout.enumReader(attribute);
        const key = reader.read(raw);
        value = key === undefined ? undefined : reader.canonical(key);
        break;
      }
      case 'date': {
        const ms = this.bound.readDate(raw);
        value = ms === undefined ? undefined : new Date(ms).toISOString();
        break;
      }
    }
    if (value !== undefined) return { state: 'present', value: Array.isArray(value) ? [...value] : (value as string) };
    const reason = missingReason(raw, attribute.type);
    return reason === 'unreadable' ? { state: 'missing', reason, stored: preview(raw) } : { state: 'missing', reason };
  }
}

function preview(raw: unknown): string {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean') text = String(raw);
  else {
    try {
      text = JSON.stringify(raw) ?? typeof raw;
    } catch {
      text = typeof raw;
    }
  }
  return text.length > STORED_PREVIEW ? `${text.slice(0, STORED_PREVIEW)}…` : text;
}
