import { attributeChangeProblems, attributeDefinitionProblems, CatalogEntry } from './catalog-entry';

const entry = (over: Partial<CatalogEntry>): CatalogEntry => ({
  name: 'plan',
  type: 'enum',
  enumValues: ['free', 'pro'],
  source: 'custom',
  label: null,
  description: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...over,
});

const fields = (problems: Array<{ field: string; code?: string }>) => problems.map((p) => `${p.field}:${p.code}`);

describe('attributeDefinitionProblems', () => {
  it('accepts well-formed definitions', () => {
    expect(attributeDefinitionProblems({ name: 'plan', type: 'enum', enumValues: ['free', 'pro'] })).toEqual([]);
    expect(attributeDefinitionProblems({ name: 'score_2', type: 'number' })).toEqual([]);
  });

  it('requires non-empty unique enum values for enum and refuses them otherwise', () => {
    expect(fields(attributeDefinitionProblems({ name: 'plan', type: 'enum' }))).toEqual(['enumValues:ENUM_VALUES_REQUIRED']);
    expect(fields(attributeDefinitionProblems({ name: 'plan', type: 'enum', enumValues: [] }))).toEqual(['enumValues:ENUM_VALUES_REQUIRED']);
    expect(fields(attributeDefinitionProblems({ name: 'plan', type: 'enum', enumValues: ['a', ' ', 'a'] }))).toEqual([
      'enumValues[1]:INVALID_ENUM_VALUE',
      'enumValues[2]:DUPLICATE_ENUM_VALUE',
    ]);
    expect(fields(attributeDefinitionProblems({ name: 'score', type: 'number', enumValues: ['1'] }))).toEqual([
      'enumValues:ENUM_VALUES_NOT_ALLOWED',
    ]);
  });

  it('refuses bad and reserved names', () => {
    expect(fields(attributeDefinitionProblems({ name: 'Plan', type: 'string' }))).toEqual(['name:INVALID_NAME']);
    expect(fields(attributeDefinitionProblems({ name: 'id', type: 'string' }))).toEqual(['name:RESERVED_NAME']);
  });
});

describe('attributeChangeProblems', () => {
  it('lets enum values be added, never removed', () => {
    expect(attributeChangeProblems(entry({}), { enumValues: ['free', 'pro', 'team'] })).toEqual([]);
    const removed = attributeChangeProblems(entry({}), { enumValues: ['pro'] });
    expect(fields(removed)).toEqual(['enumValues:ENUM_VALUE_REMOVED']);
    expect(removed[0].message).toContain('"free"');
  });

  it('changes values of custom enums only', () => {
    expect(fields(attributeChangeProblems(entry({ source: 'canonical' }), { enumValues: ['free', 'pro', 'x'] }))).toEqual([
      'enumValues:ATTRIBUTE_READ_ONLY',
    ]);
    expect(fields(attributeChangeProblems(entry({ type: 'string', enumValues: undefined }), { enumValues: ['x'] }))).toEqual([
      'enumValues:ENUM_VALUES_NOT_ALLOWED',
    ]);
    expect(attributeChangeProblems(entry({ source: 'canonical' }), { label: 'Plan' })).toEqual([]);
  });
});
