import { ValidationError } from '../errors/domain-error';
import { parseCustomerRef } from './customer-ref';

const UUID = '00000000-0000-4000-8000-000000000001';

describe('parseCustomerRef', () => {
  it('reads each form', () => {
    expect(parseCustomerRef('42')).toEqual({ kind: 'id', id: '42' });
    expect(parseCustomerRef('id:42')).toEqual({ kind: 'id', id: '42' });
    expect(parseCustomerRef('email:Ann@X.io')).toEqual({ kind: 'email', email: 'ann@x.io' });
    expect(parseCustomerRef(`${UUID.toUpperCase()}:0031x:y`)).toEqual({ kind: 'external', connectionId: UUID, externalId: '0031x:y' });
    expect(parseCustomerRef('import:007')).toEqual({ kind: 'import', externalId: '007' });
    expect(parseCustomerRef('c-1')).toEqual({ kind: 'import', externalId: 'c-1' });
    expect(parseCustomerRef('9223372036854775807')).toEqual({ kind: 'id', id: '9223372036854775807' });
  });

  it.each([
    ['', 'empty'],
    ['9223372036854775808', 'from 1 to'],
    ['0', 'from 1 to'],
    ['007', 'import:007'],
    ['id:', 'positive whole number'],
    ['email:', 'not an email'],
    ['email:a@b@c', 'not an email'],
    ['import:', 'empty'],
    ['hubspot:42', 'neither'],
    [`${UUID}:`, 'empty'],
    ['a\u0000b', 'control character'],
    ['c-1 ', 'spaces'],
    ['x'.repeat(1001), 'longer than'],
  ])('refuses %j naming the problem', (ref, problem) => {
    let error: unknown;
    try {
      parseCustomerRef(ref);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const { code, details } = error as ValidationError;
    expect(code).toBe('INVALID_CUSTOMER_REF');
    expect(details[0]).toMatchObject({ field: 'ref', code: 'INVALID_CUSTOMER_REF' });
    expect(details[0].message).toContain(problem);
  });
});
