import { ErrorDetail } from '../errors/domain-error';
import { CrmConnection } from './crm-connection';

/** Where a connection sends its credentials: the CRM hosts it talks to. */
export type ConnectionLocation = Partial<Record<'basePath' | 'loginUrl' | 'instanceUrl', string>>;

/** The stored credentials that reach the CRM host (webhook secrets only check what arrives here). */
const SENT_CREDENTIALS = {
  hubspot: () => ['accessToken'],
  salesforce: (c: CrmConnection) => ['clientSecret', ...(c.credentials.kind === 'salesforce' && c.credentials.username ? ['password'] : [])],
} as const;

const LOCATION_FIELDS = {
  hubspot: ['basePath'],
  salesforce: ['loginUrl', 'instanceUrl'],
} as const;

/**
 * When a change points a connection at another host, the stored credentials must not follow it
 * there (whoever can edit a URL could otherwise harvest them): every credential that would be sent
 * must come with the change. Returns one detail per credential missing from `given`.
 */
export function credentialsMissingForMove(current: CrmConnection, change: ConnectionLocation, given: ReadonlySet<string>): ErrorDetail[] {
  const moved = LOCATION_FIELDS[current.kind].filter(
    (field) => change[field] !== undefined && !sameLocation(change[field], current.settings[field]),
  );
  if (moved.length === 0) return [];
  return SENT_CREDENTIALS[current.kind](current)
    .filter((field) => !given.has(field))
    .map((field) => ({
      field,
      message: `${field} is required again when ${moved.join(' or ')} changes: stored credentials never follow a connection to another host`,
      code: 'CREDENTIAL_REQUIRED',
    }));
}

function sameLocation(a: string | undefined, b: string | undefined): boolean {
  const norm = (u: string | undefined) => (u === undefined ? undefined : u.trim().replace(/\/+$/, '').toLowerCase());
  return norm(a) === norm(b);
}
