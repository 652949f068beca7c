/**
 * The rule builder's model: the rule language's JSON (docs/rule-language.md) as a tree the form
 * edits, converted both ways so the form and the JSON beside it stay in step.
 */
export type AttributeType = 'string' | 'number' | 'boolean' | 'date' | 'enum' | 'string_list';

export const OPERATORS: Record<AttributeType, string[]> = {
  string: ['equals', 'not_equals', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'matches', 'is_set', 'is_not_set'],
  enum: ['equals', 'not_equals', 'in', 'not_in', 'is_set', 'is_not_set'],
  number: ['equals', 'not_equals', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'is_set', 'is_not_set'],
  boolean: ['equals', 'not_equals', 'is_set', 'is_not_set'],
  date: ['before', 'after', 'between', 'within_last_days', 'more_than_days_ago', 'within_next_days', 'is_set', 'is_not_set'],
  string_list: ['contains_any', 'contains_all', 'contains_none', 'is_set', 'is_not_set'],
};

export type Condition = { attribute: string; operator: string; value?: unknown; case_sensitive?: boolean };
export type Group = { all: Node[] } | { any: Node[] } | { not: Node };
export type Node = Condition | Group;

export const isCondition = (n: Node): n is Condition => typeof n === 'object' && n !== null && 'attribute' in n;
export const LIST_OPERATORS = new Set(['in', 'not_in', 'contains_any', 'contains_all', 'contains_none']);
export const DAY_OPERATORS = new Set(['within_last_days', 'more_than_days_ago', 'within_next_days']);
export const NO_VALUE = new Set(['is_set', 'is_not_set']);

/** A value that fits the operator when the operator changes (kept when it still fits). */
export function defaultValue(type: AttributeType, operator: string, enumValues: string[] = []): unknown {
  if (NO_VALUE.has(operator)) return undefined;
  if (DAY_OPERATORS.has(operator)) return 30;
  if (operator === 'between') return type === 'date' ? ['2026-01-01', '2026-12-31'] : [0, 100];
  if (LIST_OPERATORS.has(operator)) return type === 'number' ? [0] : [enumValues[0] ?? ''];
  switch (type) {
    case 'number':
      return 0;
    case 'boolean':
      return true;
    case 'date':
      return '2026-01-01';
    case 'enum':
      return enumValues[0] ?? '';
    default:
      return '';
  }
}

/** JSON path of a node, as the API names it in error details (`$.all[0]`). */
export function childPath(parent: string, kind: 'all' | 'any' | 'not', index?: number): string {
  return kind === 'not' ? `${parent}.not` : `${parent}.${kind}[${index}]`;
}

/** Replaces the node at `path` (a path this module made) and returns the new tree. */
export function replaceAt(root: Node, path: string, replacement: Node | null): Node | null {
  if (path === '$') return replacement;
  const steps = [...path.slice(1).matchAll(/\.(all|any|not)(?:\[(\d+)\])?/g)].map((m) => ({ kind: m[1] as 'all' | 'any' | 'not', index: m[2] === undefined ? undefined : Number(m[2]) }));
  const walk = (node: Node, i: number): Node | null => {
    const step = steps[i];
    if (!step) return replacement;
    if (step.kind === 'not' && 'not' in node) {
      const inner = walk(node.not, i + 1);
      return inner ? { not: inner } : null;
    }
    if ((step.kind === 'all' || step.kind === 'any') && step.kind in node) {
      const children = (node as Record<string, Node[]>)[step.kind];
      const next = children.flatMap((c, j) => {
        if (j !== step.index) return [c];
        const r = walk(c, i + 1);
        return r ? [r] : [];
      });
      return { [step.kind]: next } as Group;
    }
    return node;
  };
  return walk(root, 0);
}

/** The rule with each condition's keys in reading order (attribute, operator, value): stored JSON comes back key-sorted. */
export function tidy(node: Node): Node {
  if (isCondition(node)) {
    const { attribute, operator, value, case_sensitive, ...rest } = node as Condition & Record<string, unknown>;
    return { attribute, operator, ...(value !== undefined ? { value } : {}), ...(case_sensitive !== undefined ? { case_sensitive } : {}), ...rest } as Condition;
  }
  if ('not' in node) return { not: tidy(node.not) };
  if ('all' in node && Array.isArray(node.all)) return { all: node.all.map(tidy) };
  if ('any' in node && Array.isArray(node.any)) return { any: node.any.map(tidy) };
  return node;
}
