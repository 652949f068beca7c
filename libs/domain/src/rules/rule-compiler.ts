import type { AttributeCatalog, Attributes } from '../attributes/attribute';
import { generateEvaluator, type GeneratedEvaluator } from './evaluator-codegen';
import { EvaluatorLayout, type BoundLayout } from './evaluator-layout';
import { InvalidRuleError } from './invalid-rule-error';
import { RuleExplainer, type RuleExplanation } from './rule-explainer';
import type { PlanNode } from './rule-plan';
import type { EvaluationContext } from './rule-types';
import { analyzeRule } from './rule-validator';

export interface CompiledRule {
  /**
   * The evaluator for one context. Everything that depends on `now` and the zone (now − n days,
   * plain-date bounds) is computed here, once; the returned function is the hot path.
   * Throws a ValidationError (INVALID_TIME_ZONE, INVALID_NOW) on a bad context.
   */
  bind(ctx: EvaluationContext): (attributes: Attributes) => boolean;
  /** Which conditions decided the result, with the customer's values as read. Slower; same result as `bind`. */
  explain(attributes: Attributes, ctx: EvaluationContext): RuleExplanation;
}

/** Validates then compiles a rule; throws InvalidRuleError listing every issue. */
export function compileRule(rule: unknown, catalog: AttributeCatalog): CompiledRule {
  const { issues, plan } = analyzeRule(rule, catalog);
  if (plan === undefined) throw new InvalidRuleError(issues);
  return new CompiledRuleImpl(plan);
}

/**
 * Remembers the last context it was bound to, so explaining many customers in one context (the
 * playground's 1,000) reuses the zone clock's per-day cache instead of rebuilding it per customer.
 */
export class BoundContextCache {
  private key: string | undefined;
  private bound: BoundLayout | undefined;

  constructor(private readonly layout: EvaluatorLayout) {}

  get(ctx: EvaluationContext): BoundLayout {
    const key = `${ctx.now}|${ctx.timeZone}`;
    if (this.key !== key || this.bound === undefined) {
      this.bound = this.layout.bind(ctx);
      this.key = key;
    }
    return this.bound;
  }
}

class CompiledRuleImpl implements CompiledRule {
  private readonly layout: EvaluatorLayout;
  private readonly evaluator: GeneratedEvaluator<boolean>;
  private readonly contexts: BoundContextCache;

  constructor(private readonly plan: PlanNode) {
    this.layout = new EvaluatorLayout([plan]);
    this.evaluator = generateEvaluator(this.layout, [plan], 'boolean');
    this.contexts = new BoundContextCache(this.layout);
  }

  bind(ctx: EvaluationContext): (attributes: Attributes) => boolean {
    return this.evaluator.instantiate(this.layout.bind(ctx));
  }

  explain(attributes: Attributes, ctx: EvaluationContext): RuleExplanation {
    return new RuleExplainer(this.layout, this.contexts.get(ctx)).forCustomer(attributes).explain(this.plan);
  }
}
