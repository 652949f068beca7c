/**
 * Per connection, a CRM property change that raises a touchpoint event: when `attribute` (a
 * Corridor attribute, after the field mapping) becomes `becomes` on an existing customer, the
 * customer reaches `touchpoint`. Records seen for the first time raise nothing: a first sync is
 * not a journey of thousands of simultaneous purchases.
 */
export interface CrmPropertyTouchpoint {
  attribute: string;
  becomes: string;
  touchpoint: string;
}

export interface CrmPropertyChange {
  customerId: string;
  touchpoint: string;
  attribute: string;
  from: string | null;
  to: string;
}

function asText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Which mappings fire for one customer whose attributes went from `before` to `after`. */
export function crmPropertyChanges(
  mappings: readonly CrmPropertyTouchpoint[],
  customerId: string,
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): CrmPropertyChange[] {
  const out: CrmPropertyChange[] = [];
  for (const m of mappings) {
    const from = asText(Object.hasOwn(before, m.attribute) ? before[m.attribute] : undefined);
    const to = asText(Object.hasOwn(after, m.attribute) ? after[m.attribute] : undefined);
    if (to === m.becomes && from !== m.becomes) out.push({ customerId, touchpoint: m.touchpoint, attribute: m.attribute, from, to });
  }
  return out;
}
