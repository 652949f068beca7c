import { WritebackRole } from './crm-connector.port';

/**
 * Whether a CRM record already carries every value write-back would write (by role): then writing
 * is a redundant request (and bumps the record's modification stamp for nothing). A merge survivor
 * is the usual case: HubSpot's merge copies the primary's persona to the new record. Unknown values
 * (never read, never written) are not "carried".
 */
export function carriesWriteback(wanted: Partial<Record<WritebackRole, string>>, current: Readonly<Record<string, string | null>> | null): boolean {
  if (!current) return false;
  const roles = Object.keys(wanted) as WritebackRole[];
  return roles.length > 0 && roles.every((role) => current[role] !== undefined && current[role] === wanted[role]);
}

/** Plain words for a permanent write-back error code, for the connection's status. */
export function writebackErrorInWords(code: string, detail: string): string {
  switch (code) {
    case 'CRM_WRITEBACK_FIELD_MISSING':
      return `Write-back is paused: ${detail}. Create the field(s) in the CRM or point settings.writeback.fields at existing writable text fields; it resumes by itself.`;
    case 'CRM_UNAUTHORIZED':
      return `The CRM rejected Corridor's credentials, so personas cannot be written back: ${detail}`;
    case 'CRM_MISSING_SCOPE':
      return `The CRM credentials lack a permission needed to write personas back: ${detail}`;
    default:
      return `The CRM refused some persona updates (${code}): ${detail}`;
  }
}
