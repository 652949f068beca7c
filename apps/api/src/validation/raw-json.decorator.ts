const RAW_JSON_FIELDS = Symbol('rawJsonFields');

/**
 * Marks a free-form JSON field (a rule, customer attributes, a field mapping) to be handed to the
 * service exactly as the client sent it. Nest's ValidationPipe deletes `__proto__`, `constructor`
 * and `prototype` keys at every depth, and class-transformer drops keys named like any
 * Object.prototype member (`toString`, `hasOwnProperty`…): a rule node carrying such a key would
 * pass as if the key were absent, and an attribute or persona named `constructor` would vanish
 * from a map. ApiValidationPipe puts the field back from a copy taken before either ran; the code
 * that reads it looks keys up as own properties only.
 */
export function RawJson(): PropertyDecorator {
  return (target, property) => {
    const owner = target as { [RAW_JSON_FIELDS]?: string[] };
    const inherited = owner[RAW_JSON_FIELDS] ?? [];
    Object.defineProperty(owner, RAW_JSON_FIELDS, { value: [...inherited, String(property)], configurable: true });
  };
}

/** The fields of a DTO instance marked with RawJson (own or inherited). */
export function rawJsonFieldsOf(instance: object): readonly string[] {
  return (instance as { [RAW_JSON_FIELDS]?: string[] })[RAW_JSON_FIELDS] ?? [];
}
