import { ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { rawJsonFieldsOf } from './raw-json.decorator';

/**
 * The ValidationPipe, except that fields marked @RawJson() reach the handler as the client sent
 * them (see raw-json.decorator.ts); everything else is validated and transformed as usual, with
 * prototype keys stripped.
 */
export class ApiValidationPipe extends ValidationPipe {
  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body' || value === null || typeof value !== 'object') return super.transform(value, metadata);
    // Taken before the pipe strips prototype keys in place.
    const pristine: unknown = structuredClone(value);
    const entity = await super.transform(value, metadata);
    restoreRawJson(entity, pristine);
    return entity;
  }
}

/** Walks the DTO instances of `entity` alongside the body they came from. */
function restoreRawJson(entity: unknown, pristine: unknown): void {
  if (entity === null || typeof entity !== 'object' || pristine === null || typeof pristine !== 'object') return;
  if (Array.isArray(entity)) {
    if (Array.isArray(pristine)) entity.forEach((item, i) => restoreRawJson(item, pristine[i]));
    return;
  }
  // Only DTO instances are walked: plain objects are data, not structure.
  if (Object.getPrototypeOf(entity) === Object.prototype) return;
  const raw = rawJsonFieldsOf(entity);
  const target = entity as Record<string, unknown>;
  const source = pristine as Record<string, unknown>;
  for (const key of Object.keys(target)) {
    if (!Object.hasOwn(source, key)) continue;
    if (raw.includes(key)) target[key] = source[key];
    else restoreRawJson(target[key], source[key]);
  }
}
