import { DomainError, ErrorKind } from '../errors/domain-error';

/** Stable codes for CRM failures; adapters map vendor errors to these. */
export const CRM_ERROR = {
  unauthorized: 'CRM_UNAUTHORIZED',
  forbidden: 'CRM_MISSING_SCOPE',
  rateLimited: 'CRM_RATE_LIMITED',
  unavailable: 'CRM_UNAVAILABLE',
  invalidRequest: 'CRM_INVALID_REQUEST',
  notFound: 'CRM_NOT_FOUND',
  cursorExpired: 'CRM_CURSOR_EXPIRED',
  /** The write-back target fields are missing, read-only or of the wrong type: write-back waits for the settings or the CRM to change. */
  writebackFieldMissing: 'CRM_WRITEBACK_FIELD_MISSING',
  /** A CRM URL (or an address it resolved to) is internal and CRM_ALLOWED_HOSTS does not admit it: no retry helps. */
  addressRefused: 'CRM_ADDRESS_REFUSED',
} as const;

const KIND: Record<string, ErrorKind> = {
  CRM_UNAUTHORIZED: 'unauthenticated',
  CRM_MISSING_SCOPE: 'forbidden',
  CRM_RATE_LIMITED: 'unavailable',
  CRM_UNAVAILABLE: 'unavailable',
  CRM_INVALID_REQUEST: 'invalid',
  CRM_NOT_FOUND: 'not_found',
  CRM_CURSOR_EXPIRED: 'unavailable',
  CRM_WRITEBACK_FIELD_MISSING: 'invalid',
  CRM_ADDRESS_REFUSED: 'invalid',
};

/** A CRM call failed. Transient codes (rate limit, unavailable) are retried by the worker. */
export class CrmError extends DomainError {
  constructor(
    code: (typeof CRM_ERROR)[keyof typeof CRM_ERROR],
    message: string,
    /** For CRM_RATE_LIMITED: how long the CRM asked us to wait. */
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(code, message, (Object.hasOwn(KIND, code) ? KIND[code] : 'internal'));
  }
}
