import type { AttributeType } from '../attributes/attribute';

/**
 * The rule language of docs/rule-language.md (version 1, the public contract) as TypeScript types. Rules arrive as
 * `unknown` JSON and only become a `RuleNode` once `validateRule` says so: these types describe
 * the valid shape, they are not a substitute for validation.
 */
export type RuleNode = RuleAll | RuleAny | RuleNot | RuleCondition;

export interface RuleAll {
  all: RuleNode[];
}

export interface RuleAny {
  any: RuleNode[];
}

export interface RuleNot {
  not: RuleNode;
}

export type RuleValue = string | number | boolean | readonly (string | number)[];

export interface RuleCondition {
  attribute: string;
  operator: RuleOperator;
  /** Absent for `is_set` / `is_not_set`. */
  value?: RuleValue;
  /** Strings and string lists only; default false. */
  case_sensitive?: boolean;
}

export const RULE_OPERATORS = [
  'equals',
  'not_equals',
  'in',
  'not_in',
  'contains',
  'not_contains',
  'starts_with',
  'ends_with',
  'matches',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'before',
  'after',
  'within_last_days',
  'more_than_days_ago',
  'within_next_days',
  'contains_any',
  'contains_all',
  'contains_none',
  'is_set',
  'is_not_set',
] as const;

export type RuleOperator = (typeof RULE_OPERATORS)[number];

export const OPERATORS_BY_TYPE: Readonly<Record<AttributeType, readonly RuleOperator[]>> = {
  string: [
    'equals',
    'not_equals',
    'in',
    'not_in',
    'contains',
    'not_contains',
    'starts_with',
    'ends_with',
    'matches',
    'is_set',
    'is_not_set',
  ],
  enum: ['equals', 'not_equals', 'in', 'not_in', 'is_set', 'is_not_set'],
  number: ['equals', 'not_equals', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'is_set', 'is_not_set'],
  boolean: ['equals', 'not_equals', 'is_set', 'is_not_set'],
  date: ['before', 'after', 'between', 'within_last_days', 'more_than_days_ago', 'within_next_days', 'is_set', 'is_not_set'],
  string_list: ['contains_any', 'contains_all', 'contains_none', 'is_set', 'is_not_set'],
};

/** Limits of the language (docs/rule-language.md, "Validation" and "Operators by attribute type"). */
export const RULE_LIMITS = {
  maxGroupDepth: 10,
  maxConditions: 200,
  maxRegexLength: 200,
  maxDays: 36_500,
} as const;

/** One problem found in a rule. */
export interface RuleIssue {
  /** JSON path of the node (`$.all[1].any[0]`) or of a part of it (`$.all[1].value[0]`). */
  path: string;
  /** Stable code: one of RULE_ISSUE_CODES (compilePersonaSet adds DUPLICATE_PERSONA_KEY). */
  code: string;
  /** Admin-readable explanation. */
  message: string;
}

export const RULE_ISSUE_CODES = [
  'INVALID_NODE', // not a JSON object
  'EMPTY_NODE', // {}
  'MIXED_NODE', // more than one of all/any/not, or a group key next to condition keys
  'UNKNOWN_KEY', // a key that is neither a group nor a condition key
  'INVALID_GROUP', // all/any is not an array
  'EMPTY_GROUP', // all/any with no children
  'TOO_DEEP', // more than 10 groups on the path from the root
  'TOO_MANY_CONDITIONS', // more than 200 conditions (path `$`)
  'INVALID_ATTRIBUTE', // attribute missing or not a string
  'UNKNOWN_ATTRIBUTE', // not in the catalog; the message names the closest known one
  'UNKNOWN_OPERATOR', // operator missing, not a string, or not in the language
  'OPERATOR_NOT_ALLOWED', // operator exists but not for this attribute's type
  'MISSING_VALUE', // the operator needs a value
  'UNEXPECTED_VALUE', // is_set / is_not_set with a value
  'INVALID_VALUE', // wrong type or shape
  'EMPTY_VALUE', // a string empty after trimming
  'EMPTY_LIST', // in / not_in / contains_* with []
  'ENUM_VALUE_NOT_ALLOWED', // not one of the enum's values
  'INVALID_DATE', // not a timestamp with offset nor a plain date, or an impossible date
  'INVALID_RANGE', // between: low > high, or ends of different forms
  'INVALID_DAYS', // *_days: not an integer 0..36500
  'INVALID_CASE_SENSITIVE', // case_sensitive not a boolean
  'CASE_SENSITIVE_NOT_ALLOWED', // case_sensitive on a type other than string / string list
  'REGEX_TOO_LONG', // more than 200 characters
  'REGEX_UNSAFE', // backreference or lookaround
  'REGEX_INVALID', // does not compile (as ECMAScript, or in the linear-time engine)
] as const;

export type RuleIssueCode = (typeof RULE_ISSUE_CODES)[number];

/** What evaluation depends on besides the rule and the customer: injected, never read from a global clock. */
export interface EvaluationContext {
  /** The evaluation instant, epoch milliseconds. */
  now: number;
  /** IANA time zone used to read plain dates and timestamps without an offset; check with `isValidTimeZone`. */
  timeZone: string;
}
