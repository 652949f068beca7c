import { CRM_ERROR } from '@corridor/domain';
import { CrmCallRunner } from '../crm-call-runner';
import { UNLIMITED_BUDGET } from '../rate-limit/request-budget';
import { salesforceError, SalesforceLastResponse } from './salesforce-errors';

/** What jsforce throws for a Salesforce JSON error: the errorCode as name, the body's message. */
const jsforceError = (errorCode: string, message: string) => Object.assign(new Error(message), { name: errorCode, errorCode });
const answered = (status: number, headers: Record<string, string> = {}): SalesforceLastResponse => ({ status, headers });

describe('salesforceError', () => {
  it('a 429 waits for its Retry-After', () => {
    const e = salesforceError(jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'), answered(429, { 'retry-after': '3' }));
    expect(e).toMatchObject({ code: CRM_ERROR.rateLimited, retryAfterMs: 3000, transient: true });
    const html = salesforceError(jsforceError('ERROR_HTTP_429', '<html>Too Many Requests</html>'), answered(429, { 'retry-after': '2' }));
    expect(html).toMatchObject({ code: CRM_ERROR.rateLimited, retryAfterMs: 2000 });
  });

  it("the concurrent-request limit (403 REQUEST_LIMIT_EXCEEDED) is a short wait, not the daily allocation's hour", () => {
    const e = salesforceError(jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'), answered(403));
    expect(e).toMatchObject({ code: CRM_ERROR.rateLimited, transient: true });
    expect(e.retryAfterMs).toBeUndefined();
    const withHeader = salesforceError(jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'), answered(403, { 'retry-after': '1' }));
    expect(withHeader.retryAfterMs).toBe(1000);
  });

  it('the spent daily allocation (TotalRequests) waits an hour unless told otherwise', () => {
    expect(salesforceError(jsforceError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), answered(403))).toMatchObject({
      code: CRM_ERROR.rateLimited,
      retryAfterMs: 60 * 60 * 1000,
    });
    expect(salesforceError(jsforceError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), answered(403, { 'retry-after': '120' })).retryAfterMs).toBe(120_000);
  });

  it('ignores the headers of an answer that was not a refusal (a body cut short after a 200)', () => {
    const dropped = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(salesforceError(dropped, answered(200, { 'retry-after': '9' }))).toMatchObject({ code: CRM_ERROR.unavailable, retryAfterMs: undefined });
  });

  it('through the call runner: a refused call sleeps Retry-After, then succeeds', async () => {
    const slept: number[] = [];
    let last: SalesforceLastResponse | null = null;
    const runner = new CrmCallRunner(UNLIMITED_BUDGET, (e) => salesforceError(e, last), { sleep: async (ms) => void slept.push(ms) });
    let attempts = 0;
    const result = await runner.run(['burst'], async () => {
      if (++attempts === 1) {
        last = answered(429, { 'retry-after': '4' });
        throw jsforceError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.');
      }
      last = answered(200);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(slept).toEqual([4000]);
  });
});
