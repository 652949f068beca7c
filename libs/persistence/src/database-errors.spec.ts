import { isDatabaseUnavailable, isStatementTimedOut } from './database-errors';

describe('isStatementTimedOut', () => {
  it('is true for a statement timeout, a lock timeout and a client read timeout, wrapped or not', () => {
    expect(isStatementTimedOut({ code: '57014', message: 'canceling statement due to statement timeout' })).toBe(true);
    expect(isStatementTimedOut({ code: '55P03', message: 'canceling statement due to lock timeout' })).toBe(true);
    expect(isStatementTimedOut(new Error('Query read timeout'))).toBe(true);
    expect(isStatementTimedOut({ name: 'QueryFailedError', driverError: { code: '55P03' } })).toBe(true);
  });

  it('is false for other database errors and an outage', () => {
    expect(isStatementTimedOut({ code: '23505' })).toBe(false);
    expect(isStatementTimedOut({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isStatementTimedOut(undefined)).toBe(false);
    // An outage is not a timeout (and a lock timeout is not an outage).
    expect(isDatabaseUnavailable({ code: '55P03' })).toBe(false);
  });
});
