import { ValidationError } from '../errors/domain-error';
import type { RuleIssue } from './rule-types';

/**
 * A rule (or a persona set) that does not validate. `details` carry one entry per issue, with the
 * issue's JSON path as `field`, so the API's single exception filter can return them unchanged.
 */
export class InvalidRuleError extends ValidationError {
  constructor(
    readonly issues: readonly RuleIssue[],
    message = describe(issues),
  ) {
    super(
      message,
      issues.map((issue) => ({ field: issue.path, message: issue.message, code: issue.code })),
      'RULE_INVALID',
    );
  }
}

function describe(issues: readonly RuleIssue[]): string {
  if (issues.length === 1) return `The rule is invalid: ${issues[0].message}`;
  return `The rule is invalid: ${issues.length} problems found`;
}
