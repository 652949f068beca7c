import { ErrorDetail, textProblemOf } from '@corridor/domain';

/**
 * How deep a JSON body may nest objects and arrays (`{}` is 1 deep). The deepest legitimate body,
 * an inline persona draft in a preview, is about 25 deep with a rule at the rule language's limit
 * of 10 groups; 64 leaves room for the rule validator to name a rule that is too deep (TOO_DEEP)
 * and stops a hostile body long before anything that recurses over it (class-transformer,
 * class-validator, JSON.stringify) could overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Past this many problems the walk stops: the answer shows at most 100 anyway. */
const MAX_PROBLEMS = 1000;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `parent.key`, or `parent["odd key"]` when the key is not a plain identifier (a NUL in a key is shown escaped). */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (parent === '') return IDENTIFIER.test(key) ? key : `[${JSON.stringify(key)}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export interface InputProblems {
  /** Set when a container sits deeper than MAX_JSON_DEPTH: the first one found. Nothing below it was read. */
  tooDeep?: ErrorDetail;
  /** Strings or keys that cannot be stored (NUL, lone surrogates), each at its path. */
  text: ErrorDetail[];
}

/**
 * Finds what no route can accept in parsed input (a JSON body, a query): nesting past
 * MAX_JSON_DEPTH and text that cannot be stored, in values and in keys. Iterative, so the input's
 * own depth cannot overflow the stack; every node is visited at most once.
 *
 * `root` names the top-level value in paths ('' for a body: its fields are named bare, `rule.all[0]`).
 */
export function inputProblemsOf(input: unknown, root = ''): InputProblems {
  const problems: InputProblems = { text: [] };
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: root, depth: 1 }];
  const where = (path: string) => path || 'body';
  while (stack.length > 0 && problems.text.length < MAX_PROBLEMS) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblemOf(value);
      if (problem) problems.text.push({ field: where(path), message: problem.message, code: problem.code });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      problems.tooDeep ??= { field: where(path), message: `is nested more than ${MAX_JSON_DEPTH} levels deep`, code: 'TOO_DEEP' };
      continue;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: fieldPath(path, i), depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const childPath = fieldPath(path, key);
      const keyProblem = textProblemOf(key);
      if (keyProblem) problems.text.push({ field: where(childPath), message: `the key ${keyProblem.message}`, code: keyProblem.code });
      stack.push({ value: (value as Record<string, unknown>)[key], path: childPath, depth: depth + 1 });
    }
  }
  return problems;
}
