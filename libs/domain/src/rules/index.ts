export * from './rule-types';
export { validateRule, MAX_REPORTED_ISSUES } from './rule-validator';
export { InvalidRuleError } from './invalid-rule-error';
export { compileRule, type CompiledRule } from './rule-compiler';
export type { RuleExplanation, ConditionOutcome, ActualValue } from './rule-explainer';
export type { MissingReason } from './value-readers';
export { isValidTimeZone } from './zone-clock';
