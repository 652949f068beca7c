import type { AttributeCatalog, AttributeDefinition, AttributeType } from '../attributes/attribute';
import { closestName } from './closest-name';
import { ISO_INSTANT, ISO_LOCAL_TIMESTAMP, ISO_PLAIN_DATE, parseIsoDate, type IsoDate } from './iso-date-parser';
import type { Operand, PlanCondition, PlanNode, RuleDate } from './rule-plan';
import { indexPath, keyPath, ROOT_PATH } from './rule-path';
import { compileRulePattern } from './rule-regex';
import {
  OPERATORS_BY_TYPE,
  RULE_LIMITS,
  RULE_OPERATORS,
  type RuleIssue,
  type RuleIssueCode,
  type RuleOperator,
} from './rule-types';
import { textProblemOf } from '../text/storable-text';
import { enumKey } from './value-readers';

/** Validates a rule against the catalog. Returns every issue found (`[]` when the rule is valid). */
export function validateRule(rule: unknown, catalog: AttributeCatalog): RuleIssue[] {
  return analyzeRule(rule, catalog).issues;
}

export interface RuleAnalysis {
  issues: RuleIssue[];
  /** The resolved rule, when there are no issues. */
  plan: PlanNode | undefined;
}

/**
 * A pathological rule could report one issue per element of a huge array; past this many the
 * rest are not worth reading and would only bloat an error response.
 */
export const MAX_REPORTED_ISSUES = 1000;

const GROUP_KEYS = new Set(['all', 'any', 'not']);
const CONDITION_KEYS = new Set(['attribute', 'operator', 'value', 'case_sensitive']);
const KNOWN_OPERATORS = new Set<string>(RULE_OPERATORS);
const NO_VALUE_OPERATORS = new Set<string>(['is_set', 'is_not_set']);

const TYPE_NAMES: Record<AttributeType, string> = {
  string: 'a text',
  enum: 'an enum',
  number: 'a number',
  boolean: 'a boolean',
  date: 'a date',
  string_list: 'a text list',
};

export function analyzeRule(rule: unknown, catalog: AttributeCatalog): RuleAnalysis {
  return new RuleAnalyzer(catalog).run(rule);
}

class RuleAnalyzer {
  private readonly issues: RuleIssue[] = [];
  private conditions = 0;
  private readonly parsedDate: IsoDate = { kind: 0, value: NaN };

  constructor(private readonly catalog: AttributeCatalog) {}

  run(rule: unknown): RuleAnalysis {
    const plan = this.node(rule, ROOT_PATH, 0);
    if (this.conditions > RULE_LIMITS.maxConditions) {
      this.issue(
        ROOT_PATH,
        'TOO_MANY_CONDITIONS',
        `The rule has ${this.conditions} conditions; at most ${RULE_LIMITS.maxConditions} are allowed`,
      );
    }
    const issues = this.issues.slice(0, MAX_REPORTED_ISSUES);
    return { issues, plan: issues.length === 0 ? plan : undefined };
  }

  private issue(path: string, code: RuleIssueCode, message: string): void {
    if (this.issues.length <= MAX_REPORTED_ISSUES) this.issues.push({ path, code, message });
  }

  /** `depth` counts the groups above this node. */
  private node(node: unknown, path: string, depth: number): PlanNode | undefined {
    if (!isObject(node)) {
      this.issue(path, 'INVALID_NODE', `Expected a group (all, any, not) or a condition, found ${describeJson(node)}`);
      return undefined;
    }
    const keys = Object.keys(node);
    if (keys.length === 0) {
      this.issue(path, 'EMPTY_NODE', 'Empty node: write a group (all, any, not) or a condition');
      return undefined;
    }
    const groupKeys = keys.filter((k) => GROUP_KEYS.has(k));
    const conditionKeys = keys.filter((k) => CONDITION_KEYS.has(k));
    for (const key of keys) {
      if (!GROUP_KEYS.has(key) && !CONDITION_KEYS.has(key)) {
        this.issue(
          path,
          'UNKNOWN_KEY',
          `Unknown key ${JSON.stringify(key)}: a node is a group (all, any or not) or a condition (attribute, operator, value, case_sensitive)`,
        );
      }
    }
    if (groupKeys.length > 1 || (groupKeys.length === 1 && conditionKeys.length > 0)) {
      const mixed = [...groupKeys, ...conditionKeys].map((k) => JSON.stringify(k)).join(', ');
      this.issue(
        path,
        'MIXED_NODE',
        `A node is either one group (all, any or not) or a condition, but this one has ${mixed}: split it into separate nodes`,
      );
      return undefined;
    }
    if (groupKeys.length === 1) return this.group(node, groupKeys[0] as 'all' | 'any' | 'not', path, depth + 1);
    if (conditionKeys.length > 0) return this.condition(node, path);
    return undefined;
  }

  private group(node: Record<string, unknown>, kind: 'all' | 'any' | 'not', path: string, depth: number): PlanNode | undefined {
    if (depth > RULE_LIMITS.maxGroupDepth) {
      // Not descending further also bounds recursion on hostile, deeply nested input.
      this.issue(
        path,
        'TOO_DEEP',
        `Groups are nested ${depth} deep here; at most ${RULE_LIMITS.maxGroupDepth} groups (all, any, not) may sit on the path to a condition`,
      );
      return undefined;
    }
    if (kind === 'not') {
      const child = this.node(node.not, keyPath(path, 'not'), depth);
      return child && { kind: 'not', path, child };
    }
    const children = node[kind];
    if (!Array.isArray(children)) {
      this.issue(path, 'INVALID_GROUP', `"${kind}" must be a list of nodes, found ${describeJson(children)}`);
      return undefined;
    }
    if (children.length === 0) {
      this.issue(path, 'EMPTY_GROUP', `Empty "${kind}" group: it needs at least one condition or group`);
      return undefined;
    }
    const groupPath = keyPath(path, kind);
    const planned: PlanNode[] = [];
    children.forEach((child: unknown, i) => {
      const p = this.node(child, indexPath(groupPath, i), depth);
      if (p !== undefined) planned.push(p);
    });
    return planned.length === children.length ? { kind, path, children: planned } : undefined;
  }

  private condition(node: Record<string, unknown>, path: string): PlanCondition | undefined {
    this.conditions++;
    const valuePath = keyPath(path, 'value');
    const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(node, key);

    let definition: AttributeDefinition | undefined;
    if (!has('attribute')) {
      this.issue(path, 'INVALID_ATTRIBUTE', 'The condition has no "attribute"');
    } else if (typeof node.attribute !== 'string') {
      this.issue(path, 'INVALID_ATTRIBUTE', `"attribute" must be an attribute name, found ${describeJson(node.attribute)}`);
    } else {
      definition = this.catalog.get(node.attribute);
      if (definition === undefined) this.unknownAttribute(node.attribute, path);
    }

    let operator: RuleOperator | undefined;
    if (!has('operator')) {
      this.issue(path, 'UNKNOWN_OPERATOR', 'The condition has no "operator"');
    } else if (typeof node.operator !== 'string' || !KNOWN_OPERATORS.has(node.operator)) {
      const allowed = definition ? OPERATORS_BY_TYPE[definition.type] : RULE_OPERATORS;
      const suggestion = typeof node.operator === 'string' ? closestName(node.operator.slice(0, 100), allowed) : undefined;
      this.issue(
        path,
        'UNKNOWN_OPERATOR',
        (typeof node.operator === 'string'
          ? `Unknown operator ${JSON.stringify(describeText(node.operator))}`
          : `"operator" must be an operator name, found ${describeJson(node.operator)}`) +
          (suggestion ? `; did you mean "${suggestion}"?` : ''),
      );
    } else {
      operator = node.operator as RuleOperator;
      if (definition && !OPERATORS_BY_TYPE[definition.type].includes(operator)) {
        this.issue(
          path,
          'OPERATOR_NOT_ALLOWED',
          `Operator "${operator}" cannot be used on "${definition.name}", ${TYPE_NAMES[definition.type]} attribute; use one of: ${OPERATORS_BY_TYPE[definition.type].join(', ')}`,
        );
        operator = undefined;
      }
    }

    let caseSensitive: boolean | undefined;
    let caseOk = true;
    if (has('case_sensitive')) {
      const casePath = keyPath(path, 'case_sensitive');
      if (typeof node.case_sensitive !== 'boolean') {
        this.issue(casePath, 'INVALID_CASE_SENSITIVE', `"case_sensitive" must be true or false, found ${describeJson(node.case_sensitive)}`);
        caseOk = false;
      } else if (definition && definition.type !== 'string' && definition.type !== 'string_list') {
        this.issue(
          casePath,
          'CASE_SENSITIVE_NOT_ALLOWED',
          `"case_sensitive" applies to text and text list attributes only; "${definition.name}" is ${TYPE_NAMES[definition.type]} attribute`,
        );
        caseOk = false;
      } else {
        caseSensitive = node.case_sensitive;
      }
    }

    const operatorName = typeof node.operator === 'string' ? node.operator : undefined;
    if (operatorName !== undefined && NO_VALUE_OPERATORS.has(operatorName)) {
      if (has('value')) this.issue(valuePath, 'UNEXPECTED_VALUE', `"${operatorName}" takes no value; remove "value"`);
      if (definition && operator && caseOk && !has('value')) {
        return this.plan(path, definition, operator, undefined, caseSensitive, { kind: 'none' });
      }
      return undefined;
    }
    if (definition === undefined || operator === undefined) return undefined;
    if (!has('value')) {
      this.issue(valuePath, 'MISSING_VALUE', `"${operator}" needs a value`);
      return undefined;
    }
    const operand = new ValueChecker(this, definition, operator, caseSensitive ?? false, valuePath).check(node.value);
    if (operand === undefined || !caseOk) return undefined;
    return this.plan(path, definition, operator, node.value, caseSensitive, operand);
  }

  private plan(
    path: string,
    attribute: AttributeDefinition,
    operator: RuleOperator,
    value: unknown,
    caseSensitiveGiven: boolean | undefined,
    operand: Operand,
  ): PlanCondition {
    return { kind: 'condition', path, attribute, operator, value, caseSensitiveGiven, caseSensitive: caseSensitiveGiven ?? false, operand };
  }

  private unknownAttribute(name: string, path: string): void {
    // Bounded: edit distance is quadratic in the name's length.
    const suggestion = closestName(name.slice(0, 100), this.catalog.keys());
    this.issue(
      path,
      'UNKNOWN_ATTRIBUTE',
      `Unknown attribute ${JSON.stringify(name)}` +
        (suggestion ? `; the closest known attribute is "${suggestion}" (attribute names are case-sensitive)` : ''),
    );
  }

  /** Exposed to ValueChecker. */
  report(path: string, code: RuleIssueCode, message: string): void {
    this.issue(path, code, message);
  }

  parseRuleDate(text: string): { date?: RuleDate; problem?: string } {
    const kind = parseIsoDate(text.trim(), this.parsedDate);
    if (kind === ISO_INSTANT) return { date: { kind: 'instant', ms: this.parsedDate.value } };
    if (kind === ISO_PLAIN_DATE) return { date: { kind: 'plain', day: this.parsedDate.value } };
    if (kind === ISO_LOCAL_TIMESTAMP) {
      return { problem: `${JSON.stringify(text)} has no UTC offset: write it as 2026-01-31T09:30:00Z or 2026-01-31T09:30:00+01:00, or use a plain date` };
    }
    return {
      problem: `${JSON.stringify(text)} is not a valid date: write a plain date (2026-01-31) or a timestamp with an offset (2026-01-31T09:30:00Z); impossible dates such as 2026-02-30 are refused`,
    };
  }
}

/** Checks one condition's value for its attribute type and operator, and resolves it. */
class ValueChecker {
  constructor(
    private readonly analyzer: RuleAnalyzer,
    private readonly definition: AttributeDefinition,
    private readonly operator: RuleOperator,
    private readonly caseSensitive: boolean,
    private readonly path: string,
  ) {}

  check(value: unknown): Operand | undefined {
    const { type } = this.definition;
    const op = this.operator;
    switch (type) {
      case 'string':
        if (op === 'in' || op === 'not_in') return this.texts(value, (t) => this.normalize(t));
        if (op === 'matches') return this.regex(value);
        return this.text(value, this.path, (t) => this.normalize(t));
      case 'string_list':
        return this.texts(value, (t) => this.normalize(t));
      case 'enum':
        if (op === 'in' || op === 'not_in') return this.texts(value, (t, p) => this.enumValue(t, p));
        return this.text(value, this.path, (t, p) => this.enumValue(t, p));
      case 'number':
        if (op === 'in' || op === 'not_in') return this.numbers(value);
        if (op === 'between') return this.numberRange(value);
        return this.number(value, this.path);
      case 'boolean':
        if (typeof value !== 'boolean') return this.invalid(this.path, `must be true or false, found ${describeJson(value)}`);
        return { kind: 'boolean', value };
      case 'date':
        if (op === 'between') return this.dateRange(value);
        if (op === 'before' || op === 'after') {
          const date = this.date(value, this.path);
          return date && { kind: 'date', date };
        }
        return this.days(value);
    }
  }

  private normalize(text: string): string {
    const trimmed = text.trim();
    return this.caseSensitive ? trimmed : trimmed.toLowerCase();
  }

  private enumValue(text: string, path: string): string | undefined {
    const key = enumKey(text);
    const allowed = this.definition.enumValues ?? [];
    if (allowed.some((v) => enumKey(v) === key)) return key;
    const shown = allowed.slice(0, 20).map((v) => JSON.stringify(v)).join(', ') + (allowed.length > 20 ? ', …' : '');
    this.analyzer.report(
      path,
      'ENUM_VALUE_NOT_ALLOWED',
      `${JSON.stringify(text)} is not a value of "${this.definition.name}"; allowed values: ${shown || '(none defined)'}`,
    );
    return undefined;
  }

  private invalid(path: string, what: string): undefined {
    this.analyzer.report(path, 'INVALID_VALUE', `"${this.operator}" on "${this.definition.name}": the value ${what}`);
    return undefined;
  }

  /** A non-empty string, resolved by `resolve` (which may report and return undefined). */
  private text(
    value: unknown,
    path: string,
    resolve: (text: string, path: string) => string | undefined,
  ): { kind: 'text'; text: string } | undefined {
    if (typeof value !== 'string') return this.invalid(path, `must be a text, found ${describeJson(value)}`);
    // What a persona set cannot store (jsonb refuses both) is not a valid rule either.
    const problem = textProblemOf(value);
    if (problem) return this.invalid(path, problem.message);
    if (value.trim().length === 0) {
      this.analyzer.report(path, 'EMPTY_VALUE', `The value is empty; to test for a missing value use "is_set" or "is_not_set"`);
      return undefined;
    }
    const text = resolve(value, path);
    return text === undefined ? undefined : { kind: 'text', text };
  }

  private list(value: unknown): unknown[] | undefined {
    if (!Array.isArray(value)) return this.invalid(this.path, `must be a list, found ${describeJson(value)}`);
    if (value.length === 0) {
      this.analyzer.report(this.path, 'EMPTY_LIST', `"${this.operator}" needs at least one value in its list`);
      return undefined;
    }
    return value;
  }

  private texts(value: unknown, resolve: (text: string, path: string) => string | undefined): Operand | undefined {
    const list = this.list(value);
    if (list === undefined) return undefined;
    const texts = list.map((v, i) => this.text(v, indexPath(this.path, i), resolve)?.text);
    return texts.every((t) => t !== undefined) ? { kind: 'texts', texts: texts as string[] } : undefined;
  }

  private regex(value: unknown): Operand | undefined {
    const pattern = this.text(value, this.path, (t) => t);
    if (pattern === undefined) return undefined;
    // Trimmed like every string operator's value (docs/rule-language.md); the length limit counts it as given.
    const compiled = compileRulePattern(value as string, this.caseSensitive);
    if (!compiled.ok) {
      this.analyzer.report(this.path, compiled.code, compiled.message);
      return undefined;
    }
    return { kind: 'regex', regex: compiled.regex };
  }

  private number(value: unknown, path: string): { kind: 'number'; value: number } | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.invalid(path, `must be a number, found ${describeJson(value)}`);
    return { kind: 'number', value };
  }

  private numbers(value: unknown): Operand | undefined {
    const list = this.list(value);
    if (list === undefined) return undefined;
    const values = list.map((v, i) => this.number(v, indexPath(this.path, i))?.value);
    return values.every((v) => v !== undefined) ? { kind: 'numbers', values: values as number[] } : undefined;
  }

  private pair(value: unknown, kind: string): [unknown, unknown] | undefined {
    if (!Array.isArray(value) || value.length !== 2) {
      return this.invalid(this.path, `must be a pair [low, high] of ${kind}, found ${describeJson(value)}`);
    }
    return [value[0], value[1]];
  }

  private numberRange(value: unknown): Operand | undefined {
    const pair = this.pair(value, 'numbers');
    if (pair === undefined) return undefined;
    const low = this.number(pair[0], indexPath(this.path, 0));
    const high = this.number(pair[1], indexPath(this.path, 1));
    if (low === undefined || high === undefined) return undefined;
    if (low.value > high.value) {
      this.analyzer.report(this.path, 'INVALID_RANGE', `The range is empty: the low end ${low.value} is above the high end ${high.value}`);
      return undefined;
    }
    return { kind: 'number_range', low: low.value, high: high.value };
  }

  private date(value: unknown, path: string): RuleDate | undefined {
    if (typeof value !== 'string') {
      return this.invalid(path, `must be a date (2026-01-31) or a timestamp with an offset (2026-01-31T09:30:00Z), found ${describeJson(value)}`);
    }
    if (value.trim().length === 0) {
      this.analyzer.report(path, 'EMPTY_VALUE', `The value is empty; to test for a missing value use "is_set" or "is_not_set"`);
      return undefined;
    }
    const parsed = this.analyzer.parseRuleDate(value);
    if (parsed.problem !== undefined) this.analyzer.report(path, 'INVALID_DATE', parsed.problem);
    return parsed.date;
  }

  private dateRange(value: unknown): Operand | undefined {
    const pair = this.pair(value, 'dates');
    if (pair === undefined) return undefined;
    const low = this.date(pair[0], indexPath(this.path, 0));
    const high = this.date(pair[1], indexPath(this.path, 1));
    if (low === undefined || high === undefined) return undefined;
    if (low.kind !== high.kind) {
      this.analyzer.report(this.path, 'INVALID_RANGE', 'Both ends must be of the same form: two plain dates, or two timestamps');
      return undefined;
    }
    const lowKey = low.kind === 'plain' ? low.day : low.ms;
    const highKey = high.kind === 'plain' ? high.day : high.ms;
    if (lowKey > highKey) {
      this.analyzer.report(this.path, 'INVALID_RANGE', 'The range is empty: the first date is after the second');
      return undefined;
    }
    return { kind: 'date_range', low, high };
  }

  private days(value: unknown): Operand | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > RULE_LIMITS.maxDays) {
      this.analyzer.report(
        this.path,
        'INVALID_DAYS',
        `"${this.operator}" needs a whole number of days from 0 to ${RULE_LIMITS.maxDays}, found ${describeJson(value)}`,
      );
      return undefined;
    }
    return { kind: 'days', days: value };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, safe description of a JSON value for messages. */
function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the text ${JSON.stringify(describeText(value))}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/** A text cut short enough to quote in a message. */
function describeText(value: string): string {
  return value.length > 60 ? `${value.slice(0, 60)}…` : value;
}
