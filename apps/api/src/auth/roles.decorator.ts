import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Role, RoleRequirement } from '@corridor/domain';
import { ApiErrorDto } from '../errors/api-error.dto';

/**
 * Who may call an endpoint. Every route must carry one, on the method or its controller (the
 * method's wins): the API refuses to boot otherwise, so no endpoint is open by omission.
 */
export type RouteAccess = { public: true } | ({ public?: false } & RoleRequirement);

export const ROUTE_ACCESS = 'corridor:route-access';

function requireRoles(requirement: RoleRequirement) {
  const who = requirement.exact ? requirement.roles.join(' or ') : [...new Set([...requirement.roles, 'admin'])].join(' or ');
  return applyDecorators(
    SetMetadata(ROUTE_ACCESS, requirement satisfies RouteAccess),
    ApiSecurity('api-key'),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ type: ApiErrorDto, description: 'No API key, or one that is unknown, revoked or expired' }),
    ApiForbiddenResponse({ type: ApiErrorDto, description: `Requires a key with role ${who}` }),
    ApiTooManyRequestsResponse({ type: ApiErrorDto, description: "The key's request limit for its role is reached (RATE_LIMITED); see Retry-After" }),
  );
}

/**
 * The roles whose keys may call this endpoint. The rule: admin may do everything an agent or an
 * integration can, so admin is always admitted too (`@Roles('agent')` admits agent and admin).
 * Use `@OnlyRoles(...)` for the rare endpoint that must refuse admin keys.
 */
export function Roles(...roles: [Role, ...Role[]]) {
  return requireRoles({ roles });
}

/** Exactly these roles, admin not implied. */
export function OnlyRoles(...roles: [Role, ...Role[]]) {
  return requireRoles({ roles, exact: true });
}

/** No API key needed (health, metrics). */
export function Public() {
  return SetMetadata(ROUTE_ACCESS, { public: true } satisfies RouteAccess);
}
