import { foldEndsWith, foldStartsWith } from './case-fold';
import { MS_PER_DAY } from './iso-date-parser';
import { intern, TextMemo } from './value-readers';
import type { PlanCondition, RuleDate } from './rule-plan';
import type { ZoneClock } from './zone-clock';

/**
 * How a condition reads its attribute. Case-insensitive string and list operators read the
 * lower-cased form, so one customer's attribute is trimmed and lower-cased at most once per
 * evaluation whatever the number of conditions on it (and, for texts that recur, once per
 * bound evaluator: see TextMemo). Case-insensitive `starts_with` / `ends_with` read the trimmed
 * form and fold case as they compare (case-fold.ts): they need no lower-cased copy at all.
 */
export type SlotKind = 'number' | 'boolean' | 'date' | 'string' | 'string_ci' | 'enum' | 'list' | 'list_ci';

/**
 * String operators that read the trimmed text even when case is ignored: RE2 folds case itself,
 * and prefixes and suffixes are compared with case folded (case-fold.ts).
 */
const TRIMMED_FORM_OPERATORS: ReadonlySet<string> = new Set(['matches', 'starts_with', 'ends_with']);

export function slotKindOf(condition: PlanCondition): SlotKind {
  const { type } = condition.attribute;
  const presence = condition.operator === 'is_set' || condition.operator === 'is_not_set';
  switch (type) {
    case 'string':
      return presence || condition.caseSensitive || TRIMMED_FORM_OPERATORS.has(condition.operator) ? 'string' : 'string_ci';
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
 * The functions a condition's test may call, each `(value as read, argument) → boolean`. They are
 * module-level singletons (not closures made per condition) so that the optimising compiler sees
 * one target per call site in the generated evaluator and can inline it.
 */
export const TEST_HELPERS = {
  has,
  foldStartsWith,
  foldEndsWith,
  memoized,
  containsAny,
  containsAnyInSet,
  containsAll,
} as const;

export type TestHelper = keyof typeof TEST_HELPERS;

/**
 * A condition's test of a present value, as data: the code generator writes it out (comparisons
 * inline, helpers as direct calls, the bounds and arguments passed in an array), the explainer
 * runs the same description through `toPresentTest`. Its shape (kind, operators, join, helper,
 * negation) depends only on the condition; bounds may depend on the context (now, zone).
 */
export type ConditionTest =
  /** `t op₁ b₁ && t op₂ b₂ …`, or joined by `||` (an `in` over a few constants). */
  | { kind: 'compare'; join: '&&' | '||'; comparisons: Comparison[] }
  /** `helper(t, argument)`, or its negation. */
  | { kind: 'call'; helper: TestHelper; negate: boolean; argument: unknown }
  /** `t.method(argument)` on the string read, or its negation: a built-in, called directly. */
  | { kind: 'method'; method: StringMethod; negate: boolean; argument: string };

export type StringMethod = 'includes' | 'startsWith' | 'endsWith';

/** Up to this many constants, `in` / `not_in` become a chain of `===` / `!==` rather than a Set look-up. */
const INLINE_IN_MAX = 8;

/**
 * The condition's test for a present value, with everything that depends on the evaluation
 * context (now − n days, plain-date bounds in the zone) computed here, once per bind.
 * Missing values never reach it: they are false for every operator but `is_not_set`.
 * `is_set` / `is_not_set` have no test (presence alone decides).
 */
export function testOf(condition: PlanCondition, now: number, clock: ZoneClock): ConditionTest | undefined {
  // Values are read in the form the rule's values were normalised to (trimmed; lower case when case
  // is ignored; enum keys), so comparisons are exact, except that case-insensitive prefixes and
  // suffixes fold case as they compare. Text constants are internalised like memoised values (see
  // `intern`), so equal texts are usually the same object.
  const { operator, operand } = condition;
  const and = (...comparisons: Comparison[]): ConditionTest => ({ kind: 'compare', join: '&&', comparisons });
  const call = (helper: TestHelper, argument: unknown, negate = false): ConditionTest => ({ kind: 'call', helper, negate, argument });
  const method = (name: StringMethod, argument: string, negate = false): ConditionTest => ({ kind: 'method', method: name, negate, argument });
  const is = (op: ComparisonOp, bound: number | string | boolean): Comparison => ({ op, bound });
  switch (operand.kind) {
    case 'none':
      return undefined;
    case 'text': {
      const c = intern(operand.text);
      switch (operator) {
        case 'equals':
          return and(is('===', c));
        case 'not_equals':
          return and(is('!==', c));
        case 'contains':
        case 'not_contains': {
          const negate = operator === 'not_contains';
          if (condition.caseSensitive) return method('includes', c, negate);
          // The lower-cased text is memoised for recurring texts (TextMemo): so is the search.
          return call('memoized', new TextMemo<boolean>((text) => text.includes(c)), negate);
        }
        case 'starts_with':
          return condition.caseSensitive ? method('startsWith', c) : call('foldStartsWith', c);
        case 'ends_with':
          return condition.caseSensitive ? method('endsWith', c) : call('foldEndsWith', c);
      }
      break;
    }
    case 'number':
    case 'boolean':
      switch (operator) {
        case 'equals':
          return and(is('===', operand.value));
        case 'not_equals':
          return and(is('!==', operand.value));
      }
      if (operand.kind !== 'number') break;
      switch (operator) {
        case 'gt':
          return and(is('>', operand.value));
        case 'gte':
          return and(is('>=', operand.value));
        case 'lt':
          return and(is('<', operand.value));
        case 'lte':
          return and(is('<=', operand.value));
      }
      break;
    case 'texts': {
      const values = [...new Set(operand.texts)].map(intern);
      switch (operator) {
        case 'in':
          return membership(values, false);
        case 'not_in':
          return membership(values, true);
        case 'contains_any':
        case 'contains_none':
          return values.length > INLINE_IN_MAX
            ? call('containsAnyInSet', new Set(values), operator === 'contains_none')
            : call('containsAny', values, operator === 'contains_none');
        case 'contains_all':
          return call('containsAll', values);
      }
      break;
    }
    case 'numbers':
      if (operator !== 'in' && operator !== 'not_in') break;
      return membership([...new Set(operand.values)], operator === 'not_in');
    case 'regex': {
      // RE2 costs 100-250 ns a call: recurring texts are matched once (TextMemo).
      const { regex } = operand;
      return call('memoized', new TextMemo<boolean>((text) => regex.test(text)));
    }
    case 'number_range':
      return and(is('>=', operand.low), is('<=', operand.high));
    case 'date': {
      const { date } = operand;
      if (operator === 'before') return and(is('<', startOf(date, clock)));
      // A plain date ends where the next day starts: "after D" is from there on.
      if (date.kind === 'plain') return and(is('>=', clock.startOfDay(date.day + 1)));
      return and(is('>', date.ms));
    }
    case 'date_range': {
      const low = is('>=', startOf(operand.low, clock));
      const { high } = operand;
      return and(low, high.kind === 'plain' ? is('<', clock.startOfDay(high.day + 1)) : is('<=', high.ms));
    }
    case 'days': {
      const span = operand.days * MS_PER_DAY;
      switch (operator) {
        case 'within_last_days':
          return and(is('>=', now - span), is('<=', now));
        case 'more_than_days_ago':
          return and(is('<', now - span));
        case 'within_next_days':
          return and(is('>=', now), is('<=', now + span));
      }
      break;
    }
  }
  // The validator only lets valid (type, operator, operand) combinations through.
  throw new Error(`Unsupported condition ${operator} on ${condition.attribute.type} at ${condition.path}`);
}

/**
 * `in` / `not_in`: a few constants are compared inline; more go through a Set. `===` and Set
 * membership agree here: values read are never NaN, and both treat -0 as 0.
 */
function membership(values: readonly (string | number)[], negate: boolean): ConditionTest {
  if (values.length > INLINE_IN_MAX) return { kind: 'call', helper: 'has', negate, argument: new Set(values) };
  const op: ComparisonOp = negate ? '!==' : '===';
  return { kind: 'compare', join: negate ? '&&' : '||', comparisons: values.map((bound) => ({ op, bound })) };
}

/** The test as a function, for the explainer (the generated evaluator inlines the same description). */
export function toPresentTest(test: ConditionTest): PresentTest {
  if (test.kind === 'call') {
    const helper = TEST_HELPERS[test.helper] as (value: unknown, argument: unknown) => boolean;
    const { argument, negate } = test;
    return ((v: unknown) => helper(v, argument) !== negate) as PresentTest;
  }
  if (test.kind === 'method') {
    const { method, argument, negate } = test;
    return ((v: string) => v[method](argument) !== negate) as PresentTest;
  }
  const { comparisons } = test;
  return (
    test.join === '&&'
      ? (v: number | string | boolean) => comparisons.every((c) => compare(v, c))
      : (v: number | string | boolean) => comparisons.some((c) => compare(v, c))
  ) as PresentTest;
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

function startOf(date: RuleDate, clock: ZoneClock): number {
  return date.kind === 'instant' ? date.ms : clock.startOfDay(date.day);
}

function has(value: unknown, set: ReadonlySet<unknown>): boolean {
  return set.has(value);
}

/** A pure test of a text, through its memo (see TextMemo). */
function memoized(value: string, memo: TextMemo<boolean>): boolean {
  return memo.get(value)!;
}

/** For a few rule values, comparing strings (often the same interned string) beats hashing each element. */
function containsAny(list: readonly string[], values: readonly string[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const element = list[i];
    for (let j = 0; j < values.length; j++) if (element === values[j]) return true;
  }
  return false;
}

function containsAnyInSet(list: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < list.length; i++) if (set.has(list[i])) return true;
  return false;
}

/** Rule lists are short; a customer's list may not be, so long ones are indexed first. */
function containsAll(list: readonly string[], values: readonly string[]): boolean {
  if (list.length > 16 && values.length > 1) {
    const index = new Set(list);
    return values.every((v) => index.has(v));
  }
  // Plain loops rather than `list.includes`: the strings are often the same interned object.
  outer: for (let i = 0; i < values.length; i++) {
    const value = values[i];
    for (let j = 0; j < list.length; j++) if (list[j] === value) continue outer;
    return false;
  }
  return true;
}
