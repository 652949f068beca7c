import { CRM_ERROR, CrmError } from '@corridor/domain';
import { addressRefusal, isNetworkError, retryAfterMs } from '../crm-call-runner';

export interface LastResponse {
  status: number;
  headers: Record<string, string>;
}

/**
 * HubSpot failures → stable codes. The client throws ApiException with the status for JSON
 * errors; for non-JSON bodies (an HTML 502 from a load balancer) it throws a parse error instead,
 * so the status seen by the response middleware is the fallback.
 */
export function hubspotError(e: unknown, last: LastResponse | null): CrmError {
  if (e instanceof CrmError) return e;
  const refused = addressRefusal(e, 'HubSpot');
  if (refused) return refused;
  const apiStatus = typeof (e as { code?: unknown })?.code === 'number' ? ((e as { code: number }).code as number) : undefined;
  const headers = ((e as { headers?: Record<string, string> })?.headers ?? last?.headers ?? {}) as Record<string, string>;
  const status = apiStatus ?? (last && last.status >= 400 ? last.status : undefined);
  const body = (e as { body?: { category?: string; message?: string } })?.body;
  const category = typeof body === 'object' && body ? body.category : undefined;
  if (status === undefined) {
    if (isNetworkError(e)) return new CrmError(CRM_ERROR.unavailable, `HubSpot is unreachable (${describeNetwork(e)})`);
    return new CrmError(CRM_ERROR.unavailable, 'HubSpot answered something unreadable');
  }
  if (status === 401) return new CrmError(CRM_ERROR.unauthorized, 'HubSpot rejected the access token (401 INVALID_AUTHENTICATION)', undefined, 401);
  if (status === 403) {
    return new CrmError(CRM_ERROR.forbidden, `HubSpot refused the request: the token lacks a scope (403 ${category ?? 'MISSING_SCOPES'})`, undefined, 403);
  }
  if (status === 429) return new CrmError(CRM_ERROR.rateLimited, 'HubSpot rate limit reached (429)', retryAfterMs(headers['retry-after']), 429);
  if (status >= 500 || status === 408) return new CrmError(CRM_ERROR.unavailable, `HubSpot answered ${status}`, undefined, status);
  if (status === 404) return new CrmError(CRM_ERROR.notFound, 'HubSpot: not found (404)', undefined, 404);
  return new CrmError(CRM_ERROR.invalidRequest, `HubSpot refused the request (${status} ${category ?? ''})`.trim(), undefined, status);
}

function describeNetwork(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'network error';
}
