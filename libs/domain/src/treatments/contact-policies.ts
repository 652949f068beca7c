import type { Attributes } from '../attributes/attribute';
import { isValidTimeZone } from '../rules/zone-clock';
import type { Channel } from './journey';
import type { ConsentRule, ContactPolicies } from './strategy';

/** The consent rule that refuses this channel for the customer, or null when they may be contacted. */
export function consentRefusal(rules: readonly ConsentRule[], channel: Channel, attributes: Attributes): ConsentRule | null {
  for (const rule of rules) {
    if (rule.channel !== channel) continue;
    const refusedWhen = rule.refusedWhen ?? true;
    if (sameValue(attributes[rule.attribute], refusedWhen)) return rule;
  }
  return null;
}

/** CRM values arrive as strings as often as typed ("true", "1"); compare leniently but exactly. */
function sameValue(actual: unknown, expected: string | number | boolean): boolean {
  if (actual === undefined || actual === null) return false;
  if (actual === expected) return true;
  if (typeof expected === 'boolean') {
    const s = String(actual).trim().toLowerCase();
    return expected ? s === 'true' || s === '1' || s === 'yes' : s === 'false' || s === '0' || s === 'no';
  }
  if (typeof expected === 'number') return Number(actual) === expected;
  return String(actual).trim().toLowerCase() === expected.trim().toLowerCase();
}

/** The customer's IANA zone from the catalog attribute, else the policy's default (an invalid one is ignored). */
export function customerTimeZone(policies: Pick<ContactPolicies, 'timeZoneAttribute' | 'defaultTimeZone'>, attributes: Attributes): string {
  const own = attributes[policies.timeZoneAttribute];
  if (typeof own === 'string' && isValidTimeZone(own.trim())) return own.trim();
  return isValidTimeZone(policies.defaultTimeZone) ? policies.defaultTimeZone : 'UTC';
}
