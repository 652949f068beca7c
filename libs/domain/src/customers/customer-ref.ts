import { ValidationError } from '../errors/domain-error';

/**
 * How a customer is addressed in a URL (`GET /v1/customers/:ref`), so a caller can use the id it
 * already knows instead of looking up Corridor's number first:
 *
 *   `123` or `id:123`                  Corridor's customer id (digits only)
 *   `email:ann@x.io`                   the customer with this email (trimmed, case ignored)
 *   `<connectionId>:<externalId>`      a CRM or import id within one connection
 *   `import:c-1`                       an id from a file import (the import connection)
 *   `c-1`                              the same, for an id that is not all digits and has no ':'
 *
 * Only the first `:` separates; everything after it is the id, so `import:hs:42` is the import
 * id `hs:42`. An all-digit import id needs the `import:` prefix (bare digits are Corridor ids).
 */
export type CustomerRef =
  | { kind: 'id'; id: string }
  | { kind: 'email'; email: string }
  | { kind: 'external'; connectionId: string; externalId: string }
  | { kind: 'import'; externalId: string };

/** bigint's range: a longer number cannot be a Corridor id. */
const CORRIDOR_ID = /^[1-9][0-9]{0,18}$/;
const MAX_CORRIDOR_ID = 9223372036854775807n;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REF_LENGTH = 1000;

export const CUSTOMER_REF_FORMS = '123, id:123, email:ann@x.io, <connectionId>:<externalId>, import:<externalId>, or a bare import id';

export function parseCustomerRef(ref: string, field = 'ref'): CustomerRef {
  const fail = (problem: string): never => {
    throw new ValidationError(`${JSON.stringify(shorten(ref))} is not a customer reference: ${problem}`, [
      { field, message: `${problem}; use one of ${CUSTOMER_REF_FORMS}`, code: 'INVALID_CUSTOMER_REF' },
    ], 'INVALID_CUSTOMER_REF');
  };
  if (ref.length === 0) fail('it is empty');
  if (ref.length > MAX_REF_LENGTH) fail(`it is longer than ${MAX_REF_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(ref)) fail('it contains a control character');
  if (ref.trim() !== ref) fail('it has leading or trailing spaces');

  const colon = ref.indexOf(':');
  if (colon < 0) {
    if (/^[0-9]+$/.test(ref)) return corridorId(ref, fail, true);
    return { kind: 'import', externalId: ref };
  }
  const prefix = ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  if (prefix === 'id') {
    if (!/^[0-9]+$/.test(rest)) fail('a Corridor id is a positive whole number');
    return corridorId(rest, fail);
  }
  if (prefix === 'email') {
    const email = rest.trim().toLowerCase();
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) fail('the part after "email:" is not an email address');
    return { kind: 'email', email };
  }
  if (rest.length === 0) fail(`the id after "${prefix}:" is empty`);
  if (prefix === 'import') return { kind: 'import', externalId: rest };
  if (UUID.test(prefix)) return { kind: 'external', connectionId: prefix.toLowerCase(), externalId: rest };
  return fail(`"${shorten(prefix)}" before ":" is neither "id", "email", "import" nor a connection id (a UUID)`);
}

function corridorId(digits: string, fail: (problem: string) => never, bare = false): CustomerRef {
  if (!CORRIDOR_ID.test(digits) || BigInt(digits) > MAX_CORRIDOR_ID) {
    fail(
      'a Corridor id is a whole number from 1 to 9223372036854775807 without leading zeros' +
        (bare ? ` (an import id made of digits is written import:${shorten(digits)})` : ''),
    );
  }
  return { kind: 'id', id: digits };
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
