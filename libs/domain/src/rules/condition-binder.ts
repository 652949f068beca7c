import { MS_PER_DAY } from './iso-date-parser';
import type { PlanCondition, RuleDate } from './rule-plan';
import type { ZoneClock } from './zone-clock';

/**
 * How a condition reads its attribute. Case-insensitive string and list operators read the
 * lower-cased form, derived from (and memoised after) the trimmed form, so one customer's
 * attribute is trimmed and lower-cased at most once per evaluation whatever the number of
 * conditions on it.
 */
export type SlotKind = 'number' | 'boolean' | 'date' | 'string' | 'string_ci' | 'enum' | 'list' | 'list_ci';

export function slotKindOf(condition: PlanCondition): SlotKind {
  const { type } = condition.attribute;
  const presence = condition.operator === 'is_set' || condition.operator === 'is_not_set';
  switch (type) {
    case 'string':
      return presence || condition.operator === 'matches' || condition.caseSensitive ? 'string' : 'string_ci';
    case 'string_list':
      return presence || condition.caseSensitive ? 'list' : 'list_ci';
    case 'enum':
      return 'enum';
    case 'number':
    case 'boolean':
    case 'date':
      return type;
  }
}

/** Tests a value that is present (already read and not missing). */
export type PresentTest = (value: never) => boolean;

export type ComparisonOp = '===' | '!==' | '<' | '<=' | '>' | '>=';

export interface Comparison {
  op: ComparisonOp;
  bound: number | string | boolean;
}

/**
 * Conditions that are a conjunction of comparisons between the value as read and constants:
 * equality on strings, enums, numbers and booleans, number ranges and every date operator. The
 * code generator inlines these (`t >= c0 && t < c1`) instead of calling a test. The list of
 * operators depends only on the condition; the bounds may depend on the context (now, zone).
 */
export function comparisonsOf(condition: PlanCondition, now: number, clock: ZoneClock): Comparison[] | undefined {
  const { operator, operand } = condition;
  const is = (op: ComparisonOp, bound: number | string | boolean): Comparison => ({ op, bound });
  switch (operand.kind) {
    case 'text':
    case 'number':
    case 'boolean':
      switch (operator) {
        case 'equals':
          return [is('===', operand.kind === 'text' ? operand.text : operand.value)];
        case 'not_equals':
          return [is('!==', operand.kind === 'text' ? operand.text : operand.value)];
      }
      if (operand.kind !== 'number') return undefined;
      switch (operator) {
        case 'gt':
          return [is('>', operand.value)];
        case 'gte':
          return [is('>=', operand.value)];
        case 'lt':
          return [is('<', operand.value)];
        case 'lte':
          return [is('<=', operand.value)];
      }
      return undefined;
    case 'number_range':
      return [is('>=', operand.low), is('<=', operand.high)];
    case 'date': {
      const { date } = operand;
      if (operator === 'before') return [is('<', startOf(date, clock))];
      // A plain date ends where the next day starts: "after D" is from there on.
      if (date.kind === 'plain') return [is('>=', clock.startOfDay(date.day + 1))];
      return [is('>', date.ms)];
    }
    case 'date_range': {
      const low = is('>=', startOf(operand.low, clock));
      const { high } = operand;
      return [low, high.kind === 'plain' ? is('<', clock.startOfDay(high.day + 1)) : is('<=', high.ms)];
    }
    case 'days': {
      const span = operand.days * MS_PER_DAY;
      switch (operator) {
        case 'within_last_days':
          return [is('>=', now - span), is('<=', now)];
        case 'more_than_days_ago':
          return [is('<', now - span)];
        case 'within_next_days':
          return [is('>=', now), is('<=', now + span)];
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The condition's test for a present value, with everything that depends on the evaluation
 * context (now − n days, plain-date bounds in the zone) computed here, once per bind.
 * Missing values never reach it: they are false for every operator but `is_not_set`.
 * `is_set` / `is_not_set` have no test (presence alone decides).
 */
export function bindCondition(condition: PlanCondition, now: number, clock: ZoneClock): PresentTest | undefined {
  const comparisons = comparisonsOf(condition, now, clock);
  if (comparisons !== undefined) return conjunction(comparisons);
  const { operator, operand } = condition;
  switch (operand.kind) {
    case 'none':
      return undefined;
    case 'text': {
      const c = operand.text;
      switch (operator) {
        case 'contains':
          return ((v: string) => v.includes(c)) as PresentTest;
        case 'not_contains':
          return ((v: string) => !v.includes(c)) as PresentTest;
        case 'starts_with':
          return ((v: string) => v.startsWith(c)) as PresentTest;
        case 'ends_with':
          return ((v: string) => v.endsWith(c)) as PresentTest;
      }
      break;
    }
    case 'texts': {
      const set = new Set(operand.texts);
      const values = [...set];
      switch (operator) {
        case 'in':
          return ((v: string) => set.has(v)) as PresentTest;
        case 'not_in':
          return ((v: string) => !set.has(v)) as PresentTest;
        case 'contains_any':
          return ((v: readonly string[]) => containsAny(v, set)) as PresentTest;
        case 'contains_none':
          return ((v: readonly string[]) => !containsAny(v, set)) as PresentTest;
        case 'contains_all':
          return ((v: readonly string[]) => containsAll(v, values)) as PresentTest;
      }
      break;
    }
    case 'regex': {
      const { regex } = operand;
      return ((v: string) => regex.test(v)) as PresentTest;
    }
    case 'numbers': {
      const set = new Set(operand.values);
      if (operator === 'in') return ((v: number) => set.has(v)) as PresentTest;
      if (operator === 'not_in') return ((v: number) => !set.has(v)) as PresentTest;
      break;
    }
  }
  // The validator only lets valid (type, operator, operand) combinations through.
  throw new Error(`Unsupported condition ${operator} on ${condition.attribute.type} at ${condition.path}`);
}

function compare(value: number | string | boolean, { op, bound }: Comparison): boolean {
  switch (op) {
    case '===':
      return value === bound;
    case '!==':
      return value !== bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
  }
}

function conjunction(comparisons: readonly Comparison[]): PresentTest {
  return ((v: number | string | boolean) => comparisons.every((c) => compare(v, c))) as PresentTest;
}

function startOf(date: RuleDate, clock: ZoneClock): number {
  return date.kind === 'instant' ? date.ms : clock.startOfDay(date.day);
}

function containsAny(list: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < list.length; i++) if (set.has(list[i])) return true;
  return false;
}

/** Rule lists are short; a customer's list may not be, so long ones are indexed first. */
function containsAll(list: readonly string[], values: readonly string[]): boolean {
  if (list.length > 16 && values.length > 1) {
    const index = new Set(list);
    return values.every((v) => index.has(v));
  }
  for (let i = 0; i < values.length; i++) if (!list.includes(values[i])) return false;
  return true;
}
