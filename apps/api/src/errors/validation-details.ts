import type { ValidationError as ClassValidatorError } from 'class-validator';
import { ErrorDetail, ValidationError } from '@corridor/domain';

/**
 * class-validator's error tree as a flat list, each entry pointing at its field by path:
 * `customers[3].id`, `rule.all[0].value`. The constraint name (`isString`, `whitelistValidation`)
 * is the detail's code.
 */
export function validationDetailsOf(errors: readonly ClassValidatorError[], parent = '', details: ErrorDetail[] = []): ErrorDetail[] {
  for (const error of errors) {
    const field = pathOf(parent, error.property);
    for (const [code, message] of Object.entries(error.constraints ?? {})) details.push({ field, message, code });
    // Into the same list: spreading 100,000 children into push() overflows the call stack.
    if (error.children?.length) validationDetailsOf(error.children, field, details);
  }
  return details;
}

function pathOf(parent: string, property: string): string {
  if (parent === '') return property;
  return /^\d+$/.test(property) ? `${parent}[${property}]` : `${parent}.${property}`;
}

/** ValidationPipe's exceptionFactory: a domain ValidationError, so one filter maps it like any other. */
export function requestValidationError(errors: ClassValidatorError[]): ValidationError {
  return new ValidationError('The request is not valid', validationDetailsOf(errors));
}
