/**
 * The values of a CRM-discovered enum attribute that several connections (or CRMs) feed: the union,
 * in first-seen order. Rules compare enum values case-insensitively (enumKey), so `gold` and `Gold`
 * are one value; the spelling the catalog already has is kept (the first sync's), so a rule's text
 * and the values people pick from do not flip with whichever CRM synced last. Values are never
 * dropped here: a value one CRM no longer offers may still be another's, or stored on customers
 * and used by rules (admin-defined enums can only grow for the same reason).
 */
export function mergeEnumValues(existing: readonly string[], incoming: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const value of [...existing, ...incoming]) {
    const key = value.trim().toLowerCase();
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}
