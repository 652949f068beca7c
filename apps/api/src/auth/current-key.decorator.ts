import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { Role } from '@corridor/domain';

/** The API key a request was authenticated with. */
export interface AuthenticatedKey {
  id: string;
  name: string;
  role: Role;
}

export interface AuthenticatedRequest extends Request {
  apiKey?: AuthenticatedKey;
}

/** `@CurrentKey() key: AuthenticatedKey` — the caller's key (set by the guard; undefined on @Public routes). */
export const CurrentKey = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthenticatedKey | undefined => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().apiKey;
});
