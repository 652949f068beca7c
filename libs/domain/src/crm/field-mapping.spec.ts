import { attributeNameForField, catalogAttributesOf, mapRecord, normaliseValue, readField, resolveFieldMapping } from './field-mapping';

describe('normaliseValue', () => {
  it('reads CRM strings as the catalog type', () => {
    expect(normaliseValue('1,234.5', 'number')).toBe(1234.5);
    expect(normaliseValue('25-50', 'number')).toBe(25);
    expect(normaliseValue('1000+', 'number')).toBe(1000);
    expect(normaliseValue('abc', 'number')).toBeNull();
    expect(normaliseValue('true', 'boolean')).toBe(true);
    expect(normaliseValue(false, 'boolean')).toBe(false);
    expect(normaliseValue('1700000000000', 'date')).toBe('2023-11-14T22:13:20.000Z');
    expect(normaliseValue('2024-02-01', 'date')).toBe('2024-02-01T00:00:00.000Z');
    expect(normaliseValue('a; b;;c', 'string_list')).toEqual(['a', 'b', 'c']);
    expect(normaliseValue('marketingqualifiedlead', 'enum', { marketingqualifiedlead: 'marketing_qualified_lead' })).toBe('marketing_qualified_lead');
    expect(normaliseValue('  ', 'string')).toBeNull();
    expect(normaliseValue(null, 'string')).toBeNull();
  });
});

describe('field mapping', () => {
  const defaults = { email: 'email', numemployees: 'employees', lifecyclestage: { attribute: 'lifecycle_stage', values: { salesqualifiedlead: 'sales_qualified_lead' } } };

  it('types canonical attributes from the catalog and maps values', () => {
    const m = resolveFieldMapping({ defaults });
    expect(m.find((x) => x.field === 'numemployees')?.type).toBe('number');
    expect(mapRecord({ email: 'A@x.io', numemployees: '120', lifecyclestage: 'salesqualifiedlead', other: 'dropped' }, m)).toEqual({
      email: 'A@x.io',
      employees: 120,
      lifecycle_stage: 'sales_qualified_lead',
    });
  });

  it('auto-maps custom properties with their discovered type, honours overrides and reserved fields', () => {
    const discovered = [
      { crmObject: 'contact' as const, field: 'loyalty_tier', label: 'Loyalty', type: 'enum' as const, enumValues: ['gold', 'silver'], custom: true },
      { crmObject: 'contact' as const, field: 'Region__c', label: 'Region', type: 'string' as const, custom: true },
      { crmObject: 'contact' as const, field: 'corridor_persona', label: 'P', type: 'string' as const, custom: true },
    ];
    const m = resolveFieldMapping({
      defaults,
      discovered,
      autoMapCustom: true,
      overrides: { email: null, nps: { attribute: 'nps', type: 'number' } },
      reservedFields: new Set(['corridor_persona']),
    });
    expect(m.map((x) => `${x.field}>${x.attribute}:${x.type}`).sort()).toEqual(
      ['Region__c>region:string', 'lifecyclestage>lifecycle_stage:enum', 'loyalty_tier>loyalty_tier:enum', 'nps>nps:number', 'numemployees>employees:number'].sort(),
    );
    expect(catalogAttributesOf(m, discovered)).toEqual(
      expect.arrayContaining([{ name: 'loyalty_tier', type: 'enum', enumValues: ['gold', 'silver'], label: 'Loyalty' }, { name: 'nps', type: 'number' }]),
    );
  });

  it('names custom fields in catalog form and reads relationship paths', () => {
    expect(attributeNameForField('Region__c')).toBe('region');
    expect(attributeNameForField('NPS_Score__c')).toBe('nps_score');
    expect(attributeNameForField('Industry__c')).toBe('crm_industry');
    expect(readField({ Account: { Industry: 'Retail' } }, 'Account.Industry')).toBe('Retail');
  });
});

describe('CRM names that are Object.prototype members', () => {
  it('reads only fields the record really has', () => {
    expect(readField({}, 'constructor')).toBeUndefined();
    expect(readField({ Account: {} }, 'Account.toString')).toBeUndefined();
    expect(readField({ constructor: 'x' }, 'constructor')).toBe('x');
  });

  it('translates enum and list values only through the map\'s own entries', () => {
    const values = { gold: 'Gold' };
    expect(normaliseValue('constructor', 'enum', values)).toBe('constructor');
    expect(normaliseValue(['toString', 'gold'], 'string_list', values)).toEqual(['toString', 'Gold']);
  });

  it('maps an attribute named constructor', () => {
    expect(mapRecord({ ctor: 'a' }, [{ field: 'ctor', attribute: 'constructor', type: 'string' }])).toEqual({ constructor: 'a' });
  });
});
