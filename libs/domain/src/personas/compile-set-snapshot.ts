import { AttributeType, catalogOf } from '../attributes/attribute';
import { CompiledPersonaSet, compilePersonaSet } from '../segmentation';
import { PersonaSet, PersonaSetMember } from './persona';

/** A persona set (or a draft of one) compiled for evaluation. */
export interface LoadedPersonaSet {
  compiled: CompiledPersonaSet;
  /** Persona id by evaluator index (fallback last). */
  personaIds: string[];
  personaKeys: string[];
  timeZone: string;
}

/** Compiles members in priority order (fallback last) against the catalog frozen with them. */
export function compileSetSnapshot(
  members: readonly PersonaSetMember[],
  catalog: PersonaSet['catalog'],
  timeZone: string,
): LoadedPersonaSet {
  const fallback = members.find((m) => m.isFallback);
  if (!fallback) throw new Error('persona set has no fallback');
  const personas = members.filter((m) => !m.isFallback);
  const compiled = compilePersonaSet({
    personas: personas.map((m) => ({ id: m.personaId, key: m.key, name: m.name, rule: m.rule })),
    fallback: { id: fallback.personaId, key: fallback.key, name: fallback.name },
    catalog: catalogOf(catalog.map((c) => ({ name: c.name, type: c.type as AttributeType, enumValues: c.enumValues }))),
  });
  const ordered = [...personas, fallback];
  return { compiled, personaIds: ordered.map((m) => m.personaId), personaKeys: ordered.map((m) => m.key), timeZone };
}
