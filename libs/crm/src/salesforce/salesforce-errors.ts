import { CRM_ERROR, CrmError } from '@corridor/domain';
import { addressRefusal, isNetworkError, retryAfterMs } from '../crm-call-runner';

/** Status and headers of the answer that failed (jsforce's errors carry neither). */
export interface SalesforceLastResponse {
  status: number;
  headers: Record<string, string>;
}

/** The daily allocation is spent: it frees up as the rolling 24 hours move on. */
const DAILY_LIMIT_WAIT_MS = 60 * 60 * 1000;

/**
 * jsforce errors → stable codes. jsforce names an error by Salesforce's errorCode (or
 * ERROR_HTTP_<status> when the body is not Salesforce's JSON), and OAuth failures by their
 * `error` (invalid_grant, invalid_client_id, ...). `last` gives a refusal's Retry-After.
 */
export function salesforceError(e: unknown, last: SalesforceLastResponse | null = null): CrmError {
  if (e instanceof CrmError) return e;
  const refused = addressRefusal(e, 'Salesforce');
  if (refused) return refused;
  const code = String((e as { errorCode?: unknown })?.errorCode ?? (e as { name?: unknown })?.name ?? '');
  const http = /^ERROR_HTTP_(\d{3})$/.exec(code);
  const status = http ? Number(http[1]) : undefined;
  // jsforce wraps a refused re-login as "Unable to refresh session due to: …".
  if (/^Unable to refresh session/.test(String((e as Error)?.message ?? ''))) {
    return new CrmError(CRM_ERROR.unauthorized, `Salesforce rejected the session: ${(e as Error).message}`, undefined, 401);
  }
  if (/^invalid_(grant|client|client_id|request)|^unsupported_grant_type|^INVALID_SESSION_ID$|^INVALID_AUTH_HEADER$|^INVALID_LOGIN$/i.test(code) || status === 401) {
    return new CrmError(CRM_ERROR.unauthorized, `Salesforce rejected the credentials (${code || 401})`, undefined, 401);
  }
  const refusedWith = last && last.status >= 400 ? last.status : undefined;
  const retryAfter = refusedWith !== undefined ? retryAfterMs(last!.headers['retry-after']) : undefined;
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    // "TotalRequests Limit exceeded." is the rolling daily allocation; "ConcurrentPerOrgLongTxn Limit
    // exceeded." (and other Concurrent* limits) clears as other requests finish: a short wait.
    if (/TotalRequests/i.test(String((e as Error)?.message ?? ''))) {
      return new CrmError(CRM_ERROR.rateLimited, 'Salesforce daily API request limit exceeded', retryAfter ?? DAILY_LIMIT_WAIT_MS, refusedWith ?? 403);
    }
    return new CrmError(CRM_ERROR.rateLimited, `Salesforce request limit exceeded (${(e as Error)?.message ?? 'concurrent requests'})`, retryAfter, refusedWith ?? 403);
  }
  if (status === 429 || refusedWith === 429) return new CrmError(CRM_ERROR.rateLimited, 'Salesforce asked to slow down (429)', retryAfter, 429);
  if (code === 'INVALID_QUERY_LOCATOR') return new CrmError(CRM_ERROR.cursorExpired, 'Salesforce query cursor expired', undefined, 400);
  if (['API_DISABLED_FOR_ORG', 'INSUFFICIENT_ACCESS', 'API_CURRENTLY_DISABLED', 'FUNCTIONALITY_NOT_ENABLED'].includes(code) || status === 403) {
    return new CrmError(CRM_ERROR.forbidden, `Salesforce refused access (${code || 403})`, undefined, 403);
  }
  if (['SERVER_UNAVAILABLE', 'UNKNOWN_EXCEPTION', 'REQUEST_RUNNING_TOO_LONG', 'UNABLE_TO_LOCK_ROW'].includes(code) || (status !== undefined && status >= 500)) {
    return new CrmError(CRM_ERROR.unavailable, `Salesforce answered ${code}`, undefined, status ?? 503);
  }
  if (code === 'NOT_FOUND' || status === 404) return new CrmError(CRM_ERROR.notFound, 'Salesforce: not found', undefined, 404);
  if (isNetworkError(e) || (!code && !status) || code === 'Error' || code === 'FetchError' || code === 'TypeError') {
    return new CrmError(CRM_ERROR.unavailable, `Salesforce is unreachable (${(e as { code?: string })?.code ?? 'network error'})`);
  }
  return new CrmError(CRM_ERROR.invalidRequest, `Salesforce refused the request (${code})`, undefined, status ?? 400);
}
