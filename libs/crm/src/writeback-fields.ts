import { CrmConnectionSettings, CrmKind, WritebackRole } from '@corridor/domain';
import { HUBSPOT_PERSONA_PROPERTY, HUBSPOT_STRATEGY_PROPERTY } from './hubspot/hubspot-field-defaults';
import { SALESFORCE_PERSONA_FIELD, SALESFORCE_STRATEGY_FIELD } from './salesforce/salesforce-field-defaults';

/** The CRM fields a connection's write-back fills, by role (a role without a field is not written). */
export type WritebackTargets = Partial<Record<WritebackRole, string>>;

/**
 * Write-back targets from the connection's settings: `writeback.fields` (persona, strategy; `null`
 * strategy = none) over the CRM's defaults, plus HubSpot's `hs_persona` when `writeback.hsPersona`
 * maps personas to it. These fields are never read back as customer data.
 */
export function writebackTargetsOf(kind: CrmKind, settings: CrmConnectionSettings): WritebackTargets {
  const fields = settings.writeback?.fields ?? {};
  const defaults = kind === 'hubspot' ? { persona: HUBSPOT_PERSONA_PROPERTY, strategy: HUBSPOT_STRATEGY_PROPERTY } : { persona: SALESFORCE_PERSONA_FIELD, strategy: SALESFORCE_STRATEGY_FIELD };
  const targets: WritebackTargets = { persona: fields.persona || defaults.persona };
  if (fields.strategy !== null) targets.strategy = fields.strategy || defaults.strategy;
  if (kind === 'hubspot' && settings.writeback?.hsPersona) targets.hsPersona = 'hs_persona';
  return targets;
}

/** Whether the targets are Corridor's own HubSpot properties (which Corridor may create), not the customer's. */
export function isCorridorDefault(kind: CrmKind, role: WritebackRole, field: string): boolean {
  if (kind !== 'hubspot') return false;
  return (role === 'persona' && field === HUBSPOT_PERSONA_PROPERTY) || (role === 'strategy' && field === HUBSPOT_STRATEGY_PROPERTY);
}

/** A fingerprint of what write-back targets: a block recorded for one set of targets lifts when they change. */
export function writebackFingerprintOf(kind: CrmKind, settings: CrmConnectionSettings): string {
  const t = writebackTargetsOf(kind, settings);
  return JSON.stringify([t.persona ?? null, t.strategy ?? null, t.hsPersona ?? null]);
}
