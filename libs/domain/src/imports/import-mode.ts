import { Attributes } from '../attributes/attribute';

/**
 * How an imported row meets the customer already stored: `merge` (the default) writes only the
 * attributes the row carries, a null (an empty CSV cell) clearing one; `replace` makes the row
 * the customer's whole attribute set.
 */
export type ImportMode = 'merge' | 'replace';
export const IMPORT_MODES: readonly ImportMode[] = ['merge', 'replace'];

/** The attributes a customer ends with when `incoming` is merged into what is stored (nulls clear). */
export function mergeImportedAttributes(stored: Attributes | undefined, incoming: Attributes): Attributes {
  const merged: Record<string, unknown> = { ...(stored ?? {}) };
  for (const [name, value] of Object.entries(incoming)) {
    if (value === null || value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}
