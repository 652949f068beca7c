import { SetMetadata } from '@nestjs/common';

/**
 * How a route is audited when the name its path gives is not right (README "Audit log"): a read
 * that must be logged (a customer export), or a change whose request or response must not be kept
 * (they hold the very customer data an erasure removes): `after` turns the response into what
 * the log keeps.
 */
export interface AuditedOptions {
  action: string;
  targetType: string;
  /** The route parameter naming the target. */
  targetParam?: string;
  /**
   * The target's id taken from the response instead of the path (a customer reference may be an
   * email: the log names the customer by its id, and the path is logged with that id in it).
   */
  targetFromResponse?: (response: unknown) => string;
  /** What the log keeps of the response (default: the response, redacted). */
  after?: (response: unknown) => unknown;
  /** Keep the request body (default true; bodies carrying customer data say false). */
  keepRequest?: boolean;
}

export const AUDITED = 'corridor:audited';

export function Audited(options: AuditedOptions) {
  return SetMetadata(AUDITED, options);
}
