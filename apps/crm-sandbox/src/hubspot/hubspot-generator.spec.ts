import { HubSpotContactGenerator } from './hubspot-generator';
import { LIFECYCLE_STAGES, defaultContactProperties } from './hubspot-properties';

const options = {
  seed: 1234,
  count: 50_000,
  startMs: Date.parse('2024-01-01T00:00:00.000Z'),
  endMs: Date.parse('2026-06-30T00:00:00.000Z'),
  firstId: 1001,
  numemployeesFormat: 'number' as const,
};

describe('HubSpotContactGenerator', () => {
  const generator = new HubSpotContactGenerator(options);

  it('is deterministic per (seed, index) and independent of other records', () => {
    const again = new HubSpotContactGenerator(options);
    for (const i of [0, 1, 999, 25_000, 49_999]) expect(again.generate(i)).toEqual(generator.generate(i));
    const other = new HubSpotContactGenerator({ ...options, seed: 4321 });
    expect(other.generate(10)).not.toEqual(generator.generate(10));
    // Generating a far record first changes nothing about a near one.
    const fresh = new HubSpotContactGenerator(options);
    fresh.generate(49_000);
    expect(fresh.generate(3)).toEqual(generator.generate(3));
  });

  it('returns values as HubSpot does: strings, ISO datetimes with milliseconds, internal enum values', () => {
    const catalog = new Map(defaultContactProperties('number').map((p) => [p.name, p]));
    const stages = new Set<string>(LIFECYCLE_STAGES);
    const seenNull = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const props = generator.generate(i);
      for (const [name, value] of Object.entries(props)) {
        expect(catalog.has(name)).toBe(true);
        if (value === null) {
          seenNull.add(name);
          continue;
        }
        expect(typeof value).toBe('string');
      }
      expect(props.lastmodifieddate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(props.createdate! <= props.lastmodifieddate!).toBe(true);
      expect(props.hs_object_id).toBe(String(1001 + i));
      if (props.lifecyclestage) expect(stages.has(props.lifecyclestage)).toBe(true);
      if (props.annualrevenue) expect(Number.isFinite(Number(props.annualrevenue))).toBe(true);
      if (props.last_purchase_date) expect(props.last_purchase_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    for (const name of ['email', 'country', 'industry', 'annualrevenue', 'jobtitle']) expect(seenNull.has(name)).toBe(true);
  });

  it('has variety for segmentation: several countries, loose spellings, customers with orders', () => {
    const countries = new Set<string>();
    let customersWithOrders = 0;
    for (let i = 0; i < 5000; i++) {
      const props = generator.generate(i);
      if (props.country) countries.add(props.country);
      if (props.lifecyclestage === 'customer' && Number(props.num_orders) > 0) customersWithOrders++;
    }
    expect(countries.size).toBeGreaterThan(15);
    expect(countries.has('United States')).toBe(true);
    expect([...countries].some((c) => c === 'USA' || c === 'US' || c === 'united states')).toBe(true);
    expect(customersWithOrders).toBeGreaterThan(300);
  });

  it('recovers the index from a generated email', () => {
    for (const i of [0, 17, 31_337]) {
      const email = generator.generate(i).email;
      if (email) expect(generator.indexFromEmail(email)).toBe(i);
    }
  });

  it('uses range values for numemployees when configured like HubSpot\'s enumeration', () => {
    const ranged = new HubSpotContactGenerator({ ...options, numemployeesFormat: 'range' });
    const values = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const v = ranged.generate(i).numemployees;
      if (v) values.add(v);
    }
    for (const v of values) expect(['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+']).toContain(v);
  });
});
