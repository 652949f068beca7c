import { CANONICAL_CATALOG, type Attributes } from '../attributes/attribute';
import { InvalidRuleError } from '../rules/invalid-rule-error';
import { compilePersonaSet, type PersonaRule } from './persona-set';

const ctx = { now: Date.parse('2026-11-23T12:00:00Z'), timeZone: 'Europe/London' };
const fallback = { id: 'id-other', key: 'other', name: 'Everyone else' };

const personas: PersonaRule[] = [
  {
    id: 'id-vip',
    key: 'vip',
    name: 'VIP',
    rule: {
      all: [
        { attribute: 'lifecycle_stage', operator: 'in', value: ['customer', 'evangelist'] },
        { attribute: 'total_revenue', operator: 'gte', value: 50000 },
      ],
    },
  },
  {
    id: 'id-lapsed',
    key: 'lapsed',
    name: 'Lapsed buyer',
    rule: {
      all: [
        { attribute: 'last_purchase_at', operator: 'more_than_days_ago', value: 180 },
        { not: { attribute: 'tags', operator: 'contains_any', value: ['churned'] } },
      ],
    },
  },
  {
    id: 'id-lead',
    key: 'lead',
    name: 'Lead',
    rule: { any: [{ attribute: 'lifecycle_stage', operator: 'equals', value: 'lead' }, { attribute: 'lead_status', operator: 'is_set' }] },
  },
];

const set = compilePersonaSet({ personas, fallback, catalog: CANONICAL_CATALOG });

describe('compilePersonaSet', () => {
  it('numbers personas in priority order with the fallback last', () => {
    expect(set.size).toBe(4);
    expect([0, 1, 2, 3].map((i) => set.personaAt(i).key)).toEqual(['vip', 'lapsed', 'lead', 'other']);
    expect(set.personaAt(3)).toEqual(fallback);
    expect(() => set.personaAt(4)).toThrow(RangeError);
  });

  it('assigns the first persona whose rule matches, else the fallback', () => {
    const assign = set.bind(ctx);
    const vipAndLead: Attributes = { lifecycle_stage: 'customer', total_revenue: 90000, lead_status: 'open' };
    expect(assign(vipAndLead)).toBe(0);
    expect(assign({ last_purchase_at: '2020-01-01', lead_status: 'open' })).toBe(1);
    expect(assign({ last_purchase_at: '2020-01-01', tags: ['Churned'], lead_status: 'open' })).toBe(2);
    expect(assign({ lifecycle_stage: 'LEAD' })).toBe(2);
    expect(assign({})).toBe(3);
    expect(assign({ lifecycle_stage: 'customer', total_revenue: '49999' })).toBe(3);
  });

  it('handles an empty set: everyone gets the fallback', () => {
    const empty = compilePersonaSet({ personas: [], fallback, catalog: CANONICAL_CATALOG });
    expect(empty.size).toBe(1);
    expect(empty.bind(ctx)({ email: 'x' })).toBe(0);
    expect(empty.explain({}, ctx)).toEqual({ persona: { ...fallback, index: 0, fallback: true }, matched: [], rejected: [] });
  });

  it('explains the winner and, for each higher-priority persona, the first condition that failed with the actual value', () => {
    const explanation = set.explain({ lifecycle_stage: 'Lead', total_revenue: '1,000', last_purchase_at: '2026-11-01T00:00:00Z' }, ctx);
    expect(explanation).toEqual({
      persona: { id: 'id-lead', key: 'lead', name: 'Lead', index: 2, fallback: false },
      matched: [
        {
          path: '$.any[0]',
          attribute: 'lifecycle_stage',
          operator: 'equals',
          value: 'lead',
          result: true,
          actual: { state: 'present', value: 'lead' },
        },
      ],
      rejected: [
        {
          id: 'id-vip',
          key: 'vip',
          name: 'VIP',
          index: 0,
          firstFailed: {
            path: '$.all[0]',
            attribute: 'lifecycle_stage',
            operator: 'in',
            value: ['customer', 'evangelist'],
            result: false,
            actual: { state: 'present', value: 'lead' },
          },
          conditions: [expect.objectContaining({ path: '$.all[0]' })],
        },
        {
          id: 'id-lapsed',
          key: 'lapsed',
          name: 'Lapsed buyer',
          index: 1,
          firstFailed: {
            path: '$.all[0]',
            attribute: 'last_purchase_at',
            operator: 'more_than_days_ago',
            value: 180,
            result: false,
            actual: { state: 'present', value: '2026-11-01T00:00:00.000Z' },
          },
          conditions: [expect.objectContaining({ path: '$.all[0]' })],
        },
      ],
    });
  });

  it('explains the fallback with every persona rejected', () => {
    const explanation = set.explain({ total_revenue: 'lots' }, ctx);
    expect(explanation.persona).toEqual({ ...fallback, index: 3, fallback: true });
    expect(explanation.matched).toEqual([]);
    expect(explanation.rejected.map((r) => [r.key, r.firstFailed.attribute, r.firstFailed.actual])).toEqual([
      ['vip', 'lifecycle_stage', { state: 'missing', reason: 'absent' }],
      ['lapsed', 'last_purchase_at', { state: 'missing', reason: 'absent' }],
      ['lead', 'lifecycle_stage', { state: 'missing', reason: 'absent' }],
    ]);
    // A failed `any` is decided by all of its children.
    expect(explanation.rejected[2].conditions.map((c) => c.attribute)).toEqual(['lifecycle_stage', 'lead_status']);
  });

  it('reports a persona that failed on a `not` whose condition held', () => {
    const explanation = set.explain({ last_purchase_at: '2020-01-01', tags: ['churned'] }, ctx);
    expect(explanation.rejected[1].firstFailed).toMatchObject({ attribute: 'tags', result: true, negated: true });
  });

  it('agrees with bind on many customers', () => {
    const assign = set.bind(ctx);
    const stages = ['customer', 'lead', 'evangelist', 'vip', undefined, ' LEAD '];
    const revenues = [100, 50000, '60000', 'x', null, undefined];
    const dates = ['2020-01-01', '2026-11-01', '2026-05-27T12:00:00Z', 'bad', undefined];
    const tags = [['churned'], ['vip'], [], undefined, 'churned'];
    let checked = 0;
    for (const lifecycle_stage of stages)
      for (const total_revenue of revenues)
        for (const last_purchase_at of dates)
          for (const t of tags) {
            const customer = { lifecycle_stage, total_revenue, last_purchase_at, tags: t, lead_status: checked % 7 === 0 ? 'x' : undefined };
            expect(set.explain(customer, ctx).persona.index).toBe(assign(customer));
            checked++;
          }
    expect(checked).toBe(900);
  });

  it('reports every invalid persona rule, with paths prefixed by the persona key', () => {
    let error: unknown;
    try {
      compilePersonaSet({
        personas: [
          personas[0],
          { id: 'b', key: 'big_spender', name: 'Big', rule: { all: [{ attribute: 'total_revenu', operator: 'gt', value: 1 }] } },
          { id: 'c', key: 'blank', name: 'Blank', rule: {} },
          { id: 'd', key: 'vip', name: 'Another VIP', rule: { attribute: 'email', operator: 'is_set' } },
        ],
        fallback: { id: 'f', key: 'blank', name: 'Fallback' },
        catalog: CANONICAL_CATALOG,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRuleError);
    expect((error as InvalidRuleError).code).toBe('RULE_INVALID');
    expect((error as InvalidRuleError).details.map((d) => [d.field, d.code])).toEqual([
      ['personas[big_spender].rule.$.all[0]', 'UNKNOWN_ATTRIBUTE'],
      ['personas[blank].rule.$', 'EMPTY_NODE'],
      ['personas[vip].key', 'DUPLICATE_PERSONA_KEY'],
      ['fallback.key', 'DUPLICATE_PERSONA_KEY'],
    ]);
  });

  it('quotes persona keys that are not plain slugs', () => {
    expect(() =>
      compilePersonaSet({ personas: [{ id: 'x', key: 'a]b', name: 'x', rule: null }], fallback, catalog: CANONICAL_CATALOG }),
    ).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field: 'personas["a]b"].rule.$' })] }));
  });

  it('reads each attribute once per customer across all personas', () => {
    const assign = set.bind(ctx);
    const reads: Record<string, number> = {};
    const customer = new Proxy({ lifecycle_stage: 'opportunity', last_purchase_at: '2026-11-01' } as Record<string, unknown>, {
      get(target, key: string) {
        reads[key] = (reads[key] ?? 0) + 1;
        return target[key];
      },
    });
    expect(assign(customer)).toBe(3);
    expect(reads).toEqual({ lifecycle_stage: 1, last_purchase_at: 1, lead_status: 1 });
  });

  it('binds once per context: thresholds move with now', () => {
    const customer = { last_purchase_at: '2026-05-01' };
    expect(set.bind(ctx)(customer)).toBe(1);
    expect(set.bind({ ...ctx, now: Date.parse('2026-09-01T00:00:00Z') })(customer)).toBe(3);
  });
});
