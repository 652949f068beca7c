import { backoffDelay, nextStep, outcomeOfStatus, parseRetryAfter, RetryPolicy, updateAfter } from './dispatch';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 5000 };

describe('dispatch retry policy', () => {
  it('classifies HTTP answers: 2xx delivered; 408, 429, 5xx retryable; other 4xx permanent', () => {
    expect(outcomeOfStatus(204)).toEqual({ kind: 'delivered', statusCode: 204 });
    expect(outcomeOfStatus(500).kind).toBe('retryable');
    expect(outcomeOfStatus(503).kind).toBe('retryable');
    expect(outcomeOfStatus(408).kind).toBe('retryable');
    expect(outcomeOfStatus(429, 3000)).toEqual({ kind: 'retryable', statusCode: 429, error: 'HTTP 429', retryAfterMs: 3000 });
    expect(outcomeOfStatus(400).kind).toBe('permanent');
    expect(outcomeOfStatus(404).kind).toBe('permanent');
    expect(outcomeOfStatus(301).kind).toBe('permanent');
  });

  it('backs off exponentially with jitter in [exp/2, exp], capped', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(1, policy, () => 1)).toBe(1000);
    expect(backoffDelay(2, policy, () => 1)).toBe(2000);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(3000);
    expect(backoffDelay(10, policy, () => 1)).toBe(5000);
    expect(backoffDelay(10, policy, () => 0)).toBe(2500);
  });

  it('retries retryable outcomes until the last attempt, then the delivery is dead', () => {
    const fail = { kind: 'retryable', error: 'HTTP 500', statusCode: 500 } as const;
    expect(nextStep(fail, 1, policy, () => 1)).toEqual({ status: 'retrying', delayMs: 1000 });
    expect(nextStep(fail, 3, policy, () => 1)).toEqual({ status: 'retrying', delayMs: 4000 });
    expect(nextStep(fail, 4, policy)).toEqual({ status: 'dead', reason: 'out_of_attempts' });
  });

  it('honours Retry-After over the backoff, bounded', () => {
    expect(nextStep({ kind: 'retryable', error: 'HTTP 429', retryAfterMs: 7000 }, 1, policy)).toEqual({ status: 'retrying', delayMs: 7000 });
    expect(nextStep({ kind: 'retryable', error: 'HTTP 429', retryAfterMs: 0 }, 1, policy)).toEqual({ status: 'retrying', delayMs: 0 });
  });

  it('never retries a permanent failure', () => {
    expect(nextStep({ kind: 'permanent', error: 'HTTP 400', statusCode: 400 }, 1, policy)).toEqual({ status: 'dead', reason: 'permanent' });
    expect(nextStep({ kind: 'delivered' }, 4, policy)).toEqual({ status: 'delivered' });
  });

  it('defers without counting an attempt when the destination asked everyone to hold off', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const deferred = { kind: 'deferred', delayMs: 30_000, reason: 'paused' } as const;
    const step = nextStep(deferred, 8, policy);
    expect(step).toEqual({ status: 'deferred', delayMs: 30_000 });
    const d = { attempts: 2, status: 'retrying', lastStatusCode: 429, lastError: 'HTTP 429' } as const;
    expect(updateAfter(d, deferred, step, now)).toEqual({ status: 'retrying', attempts: 2, nextAttemptAt: new Date('2026-12-06T12:00:30Z'), lastStatusCode: 429, lastError: 'HTTP 429' });
  });

  it('keeps a delivered outcome\'s notice (delivered with a caveat) and sets none otherwise', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const d = { attempts: 0, status: 'pending', lastStatusCode: null, lastError: null } as const;
    const noted = { kind: 'delivered', notice: 'CRM_TASK_KEY_FIELD_MISSING: no key field' } as const;
    expect(updateAfter(d, noted, nextStep(noted, 1, policy), now)).toEqual({
      status: 'delivered',
      attempts: 1,
      nextAttemptAt: null,
      lastStatusCode: null,
      lastError: null,
      notice: 'CRM_TASK_KEY_FIELD_MISSING: no key field',
    });
    expect(updateAfter(d, { kind: 'delivered' }, { status: 'delivered' }, now)).not.toHaveProperty('notice');
    const failed = { kind: 'retryable', error: 'HTTP 503', statusCode: 503 } as const;
    expect(updateAfter(d, failed, nextStep(failed, 1, policy, () => 0), now)).not.toHaveProperty('notice');
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Sun, 06 Dec 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sun, 06 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
