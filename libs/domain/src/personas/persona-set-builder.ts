import { AttributeCatalog, AttributeDefinition } from '../attributes/attribute';
import { ValidationError } from '../errors/domain-error';
import { Persona, PersonaSetMember } from './persona';

/** What a persona set is made of before it is stored: members in evaluation order, fallback last. */
export interface PersonaSetDraft {
  members: PersonaSetMember[];
  catalog: AttributeDefinition[];
}

type DraftPersona = Pick<Persona, 'id' | 'key' | 'name' | 'priority' | 'enabled' | 'isFallback' | 'rule' | 'version'> & {
  versionId: string;
};

/**
 * Orders the enabled personas by priority, puts the fallback last and freezes the catalog entries
 * their rules use. Rule validity is checked by the compiler; this checks the set's shape.
 */
export function buildPersonaSet(personas: readonly DraftPersona[], catalog: AttributeCatalog): PersonaSetDraft {
  const fallbacks = personas.filter((p) => p.isFallback);
  if (fallbacks.length !== 1) {
    throw new ValidationError('A persona set needs exactly one fallback persona', [
      { field: 'personas', message: `found ${fallbacks.length} fallback personas`, code: 'FALLBACK_REQUIRED' },
    ]);
  }
  const ordered = personas
    .filter((p) => !p.isFallback && p.enabled)
    .sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity));
  const seen = new Set<number>();
  for (const p of ordered) {
    if (p.priority === null || seen.has(p.priority)) {
      throw new ValidationError('Persona priorities must be distinct', [
        { field: `personas[${p.key}].priority`, message: `priority ${p.priority} is not unique`, code: 'PRIORITY_CONFLICT' },
      ]);
    }
    seen.add(p.priority);
  }
  const members = [...ordered, fallbacks[0]].map((p) => ({
    personaId: p.id,
    personaVersionId: p.versionId,
    version: p.version,
    key: p.key,
    name: p.name,
    priority: p.isFallback ? null : p.priority,
    isFallback: p.isFallback,
    rule: p.isFallback ? null : p.rule,
  }));
  const used = new Set<string>();
  for (const m of members) collectAttributes(m.rule, used);
  const frozen = [...used]
    .sort()
    .map((name) => catalog.get(name))
    .filter((d): d is AttributeDefinition => d !== undefined);
  return { members, catalog: frozen };
}

/** Attribute names a rule mentions (unknown shapes are skipped: validation reports those). */
export function collectAttributes(node: unknown, into: Set<string>): Set<string> {
  if (!node || typeof node !== 'object') return into;
  const n = node as Record<string, unknown>;
  if (typeof n.attribute === 'string') into.add(n.attribute);
  for (const key of ['all', 'any'] as const) {
    if (Array.isArray(n[key])) for (const child of n[key] as unknown[]) collectAttributes(child, into);
  }
  if (n.not) collectAttributes(n.not, into);
  return into;
}
