import type { AttributeCatalog, Attributes } from '../attributes/attribute';
import { generateEvaluator, type GeneratedEvaluator } from '../rules/evaluator-codegen';
import { EvaluatorLayout } from '../rules/evaluator-layout';
import { InvalidRuleError } from '../rules/invalid-rule-error';
import { BoundContextCache } from '../rules/rule-compiler';
import { RuleExplainer, type ConditionOutcome } from '../rules/rule-explainer';
import type { PlanNode } from '../rules/rule-plan';
import type { EvaluationContext, RuleIssue } from '../rules/rule-types';
import { analyzeRule } from '../rules/rule-validator';

export interface PersonaRef {
  id: string;
  key: string;
  name: string;
}

export interface PersonaRule extends PersonaRef {
  rule: unknown;
}

export interface PersonaSetInput {
  /** Enabled personas in priority order, highest first. */
  personas: readonly PersonaRule[];
  /** Assigned when no persona matches; always last. */
  fallback: PersonaRef;
  catalog: AttributeCatalog;
}

export interface CompiledPersonaSet {
  /** personas.length + 1: the fallback is last. */
  readonly size: number;
  /** `index === personas.length` is the fallback. */
  personaAt(index: number): PersonaRef;
  /** The evaluator for one context: index of the first persona whose rule matches, else the fallback's. Hot path. */
  bind(ctx: EvaluationContext): (attributes: Attributes) => number;
  /** Same assignment as `bind`, with the reasons. */
  explain(attributes: Attributes, ctx: EvaluationContext): AssignmentExplanation;
}

/** A higher-priority persona that did not match, and why. */
export interface RejectedPersona extends PersonaRef {
  index: number;
  /**
   * The first condition that made the rule fail: usually one whose result is false, or, under a
   * `not`, one whose result is true (`negated: true`).
   */
  firstFailed: ConditionOutcome;
  /** Every condition that decided the failure (an `any` fails on all of its children). */
  conditions: ConditionOutcome[];
}

export interface AssignmentExplanation {
  persona: PersonaRef & { index: number; fallback: boolean };
  /** The winning persona's deciding conditions; empty for the fallback. */
  matched: ConditionOutcome[];
  /** Every higher-priority persona, in priority order. */
  rejected: RejectedPersona[];
}

/**
 * Issue paths of a persona set are prefixed with the persona's key: `personas[vip].rule.$.all[0]`
 * (the rule's own JSON path after `.rule.`); keys that are not plain slugs are JSON-quoted:
 * `personas["a]b"].rule.$`. Input problems use `personas[vip].key` and `fallback.key`.
 */
export function personaRulePath(key: string, rulePath: string): string {
  return `${personaPath(key)}.rule.${rulePath}`;
}

function personaPath(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? `personas[${key}]` : `personas[${JSON.stringify(key)}]`;
}

/** Validates every persona's rule (reporting all issues of all personas at once) and compiles the set. */
export function compilePersonaSet(input: PersonaSetInput): CompiledPersonaSet {
  const issues: RuleIssue[] = [];
  const plans: PlanNode[] = [];
  const seen = new Set<string>();
  for (const persona of input.personas) {
    if (seen.has(persona.key)) {
      issues.push({
        path: `${personaPath(persona.key)}.key`,
        code: 'DUPLICATE_PERSONA_KEY',
        message: `Two personas have the key ${JSON.stringify(persona.key)}`,
      });
    }
    seen.add(persona.key);
    const analysis = analyzeRule(persona.rule, input.catalog);
    for (const issue of analysis.issues) issues.push({ ...issue, path: personaRulePath(persona.key, issue.path) });
    if (analysis.plan !== undefined) plans.push(analysis.plan);
  }
  if (seen.has(input.fallback.key)) {
    issues.push({
      path: 'fallback.key',
      code: 'DUPLICATE_PERSONA_KEY',
      message: `The fallback persona's key ${JSON.stringify(input.fallback.key)} is also a persona's key`,
    });
  }
  if (issues.length > 0) {
    throw new InvalidRuleError(issues, `The persona set is invalid: ${issues.length} problem${issues.length === 1 ? '' : 's'} found`);
  }
  return new PersonaSetImpl(input.personas.map(refOf), refOf(input.fallback), plans);
}

function refOf(persona: PersonaRef): PersonaRef {
  return Object.freeze({ id: persona.id, key: persona.key, name: persona.name });
}

class PersonaSetImpl implements CompiledPersonaSet {
  readonly size: number;
  private readonly layout: EvaluatorLayout;
  private readonly evaluator: GeneratedEvaluator<number>;
  private readonly contexts: BoundContextCache;

  constructor(
    private readonly personas: readonly PersonaRef[],
    private readonly fallback: PersonaRef,
    private readonly plans: readonly PlanNode[],
  ) {
    this.size = personas.length + 1;
    this.layout = new EvaluatorLayout(plans);
    this.evaluator = generateEvaluator(this.layout, plans, 'index');
    this.contexts = new BoundContextCache(this.layout);
  }

  personaAt(index: number): PersonaRef {
    if (index === this.personas.length) return this.fallback;
    const persona = this.personas[index];
    if (persona === undefined) throw new RangeError(`No persona at index ${index} (size ${this.size})`);
    return persona;
  }

  bind(ctx: EvaluationContext): (attributes: Attributes) => number {
    return this.evaluator.instantiate(this.layout.bind(ctx));
  }

  explain(attributes: Attributes, ctx: EvaluationContext): AssignmentExplanation {
    const explainer = new RuleExplainer(this.layout, this.contexts.get(ctx)).forCustomer(attributes);
    const rejected: RejectedPersona[] = [];
    for (let index = 0; index < this.plans.length; index++) {
      const explanation = explainer.explain(this.plans[index]);
      const persona = this.personas[index];
      if (explanation.matched) {
        return { persona: { ...persona, index, fallback: false }, matched: explanation.conditions, rejected };
      }
      rejected.push({ ...persona, index, firstFailed: explanation.conditions[0], conditions: explanation.conditions });
    }
    return { persona: { ...this.fallback, index: this.plans.length, fallback: true }, matched: [], rejected };
  }
}
