/**
 * Whether a CRM record already carries every value write-back would write (by CRM field: values
 * read from a field write-back no longer targets say nothing about the new one): then writing
 * is a redundant request (and bumps the record's modification stamp for nothing). A merge survivor
 * is the usual case: HubSpot's merge copies the primary's persona to the new record. Unknown values
 * (never read, never written) are not "carried".
 */
export function carriesWriteback(wanted: Readonly<Record<string, string>>, current: Readonly<Record<string, string | null>> | null): boolean {
  if (!current) return false;
  const fields = Object.keys(wanted);
  return fields.length > 0 && fields.every((field) => current[field] !== undefined && current[field] === wanted[field]);
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
