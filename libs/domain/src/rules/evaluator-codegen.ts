import type { Attributes } from '../attributes/attribute';
import { TEST_HELPERS, type ComparisonOp, type ConditionTest, type StringMethod, type TestHelper } from './condition-binder';
import { constantsOf, type BoundLayout, type EvaluatorLayout } from './evaluator-layout';
import type { PlanNode } from './rule-plan';

/**
 * Compiles rules into one JavaScript function (the hot path of a re-segmentation). The generated
 * source contains only structure — `&&`, `||`, `!`, `if … return i`, comparison operators, calls of
 * the fixed test helpers (TEST_HELPERS) and of `includes` / `startsWith` / `endsWith` on the string
 * read — and names built from numbers (`s3`, `c7`, `k0`); nothing from a rule becomes code. Rule
 * values (comparison bounds, helper arguments such as Sets) live in an array of constants;
 * attribute names are either checked identifiers read as `a.name` or passed in an array (`k0`) too.
 *
 * Each slot (one attribute in one form) is a local variable read lazily and at most once per
 * customer, across every rule of the set. Tests are written out rather than called through
 * closures made per condition: comparisons inline (`t >= c0 && t < c1`, `t === c2 || t === c3`),
 * other tests as direct calls of module-level helpers (`containsAny(t, c4)`) or string methods,
 * which the optimising compiler can inline.
 */
export interface GeneratedEvaluator<R> {
  /** The generated source, for tests and debugging. */
  readonly source: string;
  /** The evaluator for one context: cheap (no code generation), call once per bind. */
  instantiate(bound: BoundLayout): (attributes: Attributes) => R;
}

type Factory = (
  keys: readonly string[],
  readers: BoundLayout['readers'],
  helpers: typeof TEST_HELPERS,
  constants: BoundLayout['constants'],
  unset: object,
  empty: Attributes,
  hasOwn: (this: unknown, key: PropertyKey) => boolean,
) => (attributes: Attributes) => unknown;

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;
const UNSET = Object.freeze({});
const EMPTY: Attributes = Object.freeze({});
/** What may appear between `t` and a constant (defence in depth: these come from our own code, not from rules). */
const OPERATORS: ReadonlySet<ComparisonOp> = new Set(['===', '!==', '<', '<=', '>', '>=']);
const METHODS: ReadonlySet<StringMethod> = new Set(['includes', 'startsWith', 'endsWith']);
/** Helper names become local names of the generated code: camel-case words, none of its own names. */
const HELPER_NAME = /^[a-z][A-Za-z]*$/;
const RESERVED = new Set(['a', 't', 'U', 'K', 'R', 'H', 'C', 'unset', 'empty', 'hasOwn', 'evaluate']);

/** `mode: 'index'`: the index of the first rule that matches, or `plans.length`. `'boolean'`: the one rule's result. */
export function generateEvaluator(layout: EvaluatorLayout, plans: readonly PlanNode[], mode: 'index'): GeneratedEvaluator<number>;
export function generateEvaluator(layout: EvaluatorLayout, plans: readonly PlanNode[], mode: 'boolean'): GeneratedEvaluator<boolean>;
export function generateEvaluator(
  layout: EvaluatorLayout,
  plans: readonly PlanNode[],
  mode: 'index' | 'boolean',
): GeneratedEvaluator<number | boolean> {
  const keys: string[] = [];
  const prologue: string[] = ['"use strict";', 'const U = unset;'];
  // An attribute read in two forms (`string` and `string_ci`, `list` and `list_ci`) is fetched from
  // the customer once, into a local `x<n>`, which both slots read.
  const forms = new Map<string, number>();
  for (const slot of layout.slots) forms.set(slot.attribute.name, (forms.get(slot.attribute.name) ?? 0) + 1);
  const fetches = new Map<string, string>();
  const rawLocals: string[] = [];
  const access = layout.slots.map((slot) => {
    const name = slot.attribute.name;
    let fetch = fetches.get(name);
    if (fetch !== undefined) return fetch;
    if (IDENTIFIER.test(name) && !(name in Object.prototype)) {
      fetch = `a.${name}`;
    } else {
      const k = keys.length;
      keys.push(name);
      prologue.push(`const k${k} = K[${k}];`);
      fetch = `(hasOwn.call(a, k${k}) ? a[k${k}] : undefined)`;
    }
    if (forms.get(name)! > 1) {
      const x = `x${rawLocals.length}`;
      rawLocals.push(x);
      fetch = `(${x} !== U ? ${x} : (${x} = ${fetch}))`;
    }
    fetches.set(name, fetch);
    return fetch;
  });
  layout.slots.forEach((_, i) => prologue.push(`const r${i} = R[${i}];`));
  // Constants are numbered per condition in layout order, as EvaluatorLayout.bind lays them out.
  const offsets: number[] = [];
  const helpers = new Set<TestHelper>();
  let constantCount = 0;
  layout.testShapes.forEach((test, i) => {
    offsets[i] = constantCount;
    for (let j = constantsOf(test).length; j > 0; j--) prologue.push(`const c${constantCount} = C[${constantCount++}];`);
    if (test?.kind === 'call') helpers.add(test.helper);
  });
  for (const helper of helpers) {
    if (!HELPER_NAME.test(helper) || RESERVED.has(helper) || !Object.hasOwn(TEST_HELPERS, helper)) throw new Error(`Bad helper name ${helper}`);
    prologue.push(`const ${helper} = H.${helper};`);
  }

  // A slot not read yet holds null, which no reader returns (a value, or undefined when missing);
  // comparing with the literal is cheaper than with a sentinel object. Stored values may be null,
  // so the raw locals (`x<n>`) use the sentinel `U`.
  const slotExpr = (i: number): string => `(s${i} !== null ? s${i} : (s${i} = ${readExpr(i)}))`;
  // Numbers and booleans usually arrive as such: that case is written out (it is what readNumber
  // and readBoolean do first) and only other values reach the reader. `t` is free here: it is
  // assigned the slot's value right after.
  const readExpr = (i: number): string => {
    switch (layout.slots[i].kind) {
      case 'number':
        return `(typeof (t = ${access[i]}) === 'number' && t - t === 0 ? t : r${i}(t))`;
      case 'boolean':
        return `(typeof (t = ${access[i]}) === 'boolean' ? t : r${i}(t))`;
      default:
        return `r${i}(${access[i]})`;
    }
  };

  const testExpr = (test: ConditionTest, first: number): string => {
    if (test.kind === 'call') return `${test.negate ? '!' : ''}${test.helper}(t, c${first})`;
    if (test.kind === 'method') {
      if (!METHODS.has(test.method)) throw new Error(`Bad method ${test.method}`);
      return `${test.negate ? '!' : ''}t.${test.method}(c${first})`;
    }
    const parts = test.comparisons.map(({ op }, j) => {
      if (!OPERATORS.has(op)) throw new Error(`Bad comparison operator ${op}`);
      return `t ${op} c${first + j}`;
    });
    if (test.join !== '&&' && test.join !== '||') throw new Error(`Bad join ${test.join}`);
    return parts.length === 1 ? parts[0] : `(${parts.join(` ${test.join} `)})`;
  };

  const nodeExpr = (node: PlanNode): string => {
    switch (node.kind) {
      case 'all':
        return `(${node.children.map(nodeExpr).join(' && ')})`;
      case 'any':
        return `(${node.children.map(nodeExpr).join(' || ')})`;
      case 'not':
        return `!${nodeExpr(node.child)}`;
      case 'condition': {
        const s = slotExpr(layout.slotOf(node));
        if (node.operator === 'is_set') return `(${s} !== undefined)`;
        if (node.operator === 'is_not_set') return `(${s} === undefined)`;
        const index = layout.indexOf(node);
        return `((t = ${s}) !== undefined && ${testExpr(layout.testShapes[index]!, offsets[index])})`;
      }
    }
  };

  const slotLocals = [...layout.slots.map((_, i) => `s${i} = null`), ...rawLocals.map((x) => `${x} = U`)].join(', ');
  const body: string[] = [
    'return function evaluate(a) {',
    '  if (a === null || a === undefined) a = empty;',
    `  let ${slotLocals ? `${slotLocals}, ` : ''}t;`,
  ];
  if (mode === 'boolean') {
    body.push(`  return ${nodeExpr(plans[0])};`);
  } else {
    plans.forEach((plan, i) => body.push(`  if (${nodeExpr(plan)}) return ${i};`));
    body.push(`  return ${plans.length};`);
  }
  body.push('};');
  const source = [...prologue, ...body].join('\n');
  const factory = new Function('K', 'R', 'H', 'C', 'unset', 'empty', 'hasOwn', source) as Factory;
  return {
    source,
    instantiate: (bound) =>
      factory(keys, bound.readers, TEST_HELPERS, bound.constants, UNSET, EMPTY, Object.prototype.hasOwnProperty) as (
        attributes: Attributes,
      ) => number | boolean,
  };
}
