import { CRM_ERROR, CrmError } from '@corridor/domain';
import { CrmCallRunner } from './crm-call-runner';
import { UNLIMITED_BUDGET } from './rate-limit/request-budget';

describe('CrmCallRunner', () => {
  const classify = (e: unknown) => (e instanceof CrmError ? e : new CrmError(CRM_ERROR.invalidRequest, String(e)));

  it('gives up on an attempt that never completes (a body cut short) and retries it', async () => {
    const runner = new CrmCallRunner(UNLIMITED_BUDGET, classify, { callTimeoutMs: 50, sleep: async () => undefined });
    let attempts = 0;
    const result = await runner.run(['burst'], () => (++attempts === 1 ? new Promise<string>(() => undefined) : Promise.resolve('ok')));
    expect(result).toBe('ok');
    expect(attempts).toBe(2);
    expect(runner.takeStats()).toMatchObject({ requests: 2, retries: 1 });
  });

  it('fails with CRM_UNAVAILABLE once every attempt timed out', async () => {
    const runner = new CrmCallRunner(UNLIMITED_BUDGET, classify, { callTimeoutMs: 20, maxAttempts: 2, sleep: async () => undefined });
    await expect(runner.run(['burst'], () => new Promise<string>(() => undefined))).rejects.toMatchObject({ code: CRM_ERROR.unavailable });
  });
});
