import type { Attributes } from '../attributes/attribute';
import type { BoundLayout, EvaluatorLayout } from './evaluator-layout';
import type { PlanNode } from './rule-plan';

/**
 * Compiles rules into one JavaScript function (the hot path of a re-segmentation). The generated
 * source contains only structure — `&&`, `||`, `!`, `if … return i` — and names built from
 * numbers (`s3`, `p7`, `k0`); nothing from a rule becomes code. Rule values live in the bound
 * test closures (passed in an array), attribute names are either checked identifiers read as
 * `a.name` or passed in an array (`k0`) too.
 *
 * Each slot (one attribute in one form) is a local variable read lazily and at most once per
 * customer, across every rule of the set.
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
  tests: BoundLayout['tests'],
  constants: BoundLayout['constants'],
  unset: object,
  empty: Attributes,
  hasOwn: (this: unknown, key: PropertyKey) => boolean,
) => (attributes: Attributes) => unknown;

const IDENTIFIER = /^[a-z][a-z0-9_]*$/;
const UNSET = Object.freeze({});
const EMPTY: Attributes = Object.freeze({});

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
  const access = layout.slots.map((slot) => {
    if (slot.base !== undefined) return '';
    const name = slot.attribute.name;
    if (IDENTIFIER.test(name) && !(name in Object.prototype)) return `a.${name}`;
    const k = keys.length;
    keys.push(name);
    prologue.push(`const k${k} = K[${k}];`);
    return `(hasOwn.call(a, k${k}) ? a[k${k}] : undefined)`;
  });
  layout.slots.forEach((_, i) => prologue.push(`const r${i} = R[${i}];`));
  layout.conditions.forEach((condition, i) => {
    const presence = condition.operator === 'is_set' || condition.operator === 'is_not_set';
    if (layout.comparisonOps[i] === undefined && !presence) prologue.push(`const p${i} = P[${i}];`);
  });
  // Bound constants are laid out per condition in layout order, as EvaluatorLayout.bind builds them.
  const offsets: number[] = [];
  let constantCount = 0;
  layout.comparisonOps.forEach((ops, i) => {
    offsets[i] = constantCount;
    for (let j = 0; j < (ops?.length ?? 0); j++) prologue.push(`const c${constantCount} = C[${constantCount++}];`);
  });
  const comparisonCode = (index: number, ops: readonly string[]): string =>
    ops.map((op, j) => ` && t ${op} c${offsets[index] + j}`).join('');

  const slotExpr = (i: number): string => {
    const base = layout.slots[i].base;
    const input = base === undefined ? access[i] : slotExpr(base);
    return `(s${i} !== U ? s${i} : (s${i} = r${i}(${input})))`;
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
        const ops = layout.comparisonOps[index];
        if (ops !== undefined) return `((t = ${s}) !== undefined${comparisonCode(index, ops)})`;
        return `((t = ${s}) !== undefined && p${index}(t))`;
      }
    }
  };

  const slotLocals = layout.slots.map((_, i) => `s${i} = U`).join(', ');
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
  const factory = new Function('K', 'R', 'P', 'C', 'unset', 'empty', 'hasOwn', source) as Factory;
  return {
    source,
    instantiate: (bound) =>
      factory(keys, bound.readers, bound.tests, bound.constants, UNSET, EMPTY, Object.prototype.hasOwnProperty) as (
        attributes: Attributes,
      ) => number | boolean,
  };
}
