import { applyDecorators } from '@nestjs/common';
import { IsDefined, ValidateIf } from 'class-validator';

/**
 * The field may be left out, but `null` is refused with a 400 naming it. class-validator's
 * `@IsOptional()` skips null as well as undefined, so a PATCH sending `"name": null` used to
 * reach the database (NOT NULL: 500) or be silently ignored. Fields where null means "clear it"
 * say so and keep `@IsOptional()`.
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_object, value) => value !== undefined),
    IsDefined({ message: ({ property }) => `${property} may be left out, but not null` }),
  );
}
