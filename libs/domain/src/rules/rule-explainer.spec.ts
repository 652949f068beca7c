import { CANONICAL_CATALOG } from '../attributes/attribute';
import { compileRule } from './rule-compiler';

const ctx = { now: Date.parse('2026-11-23T12:00:00Z'), timeZone: 'Europe/London' };
const explain = (rule: unknown, attributes: Record<string, unknown>) => compileRule(rule, CANONICAL_CATALOG).explain(attributes, ctx);

describe('CompiledRule.explain', () => {
  const rule = {
    all: [
      { attribute: 'lifecycle_stage', operator: 'in', value: ['customer', 'evangelist'] },
      {
        any: [
          { attribute: 'total_revenue', operator: 'gte', value: 50000 },
          { attribute: 'last_purchase_at', operator: 'within_last_days', value: 30 },
        ],
      },
      { not: { attribute: 'email', operator: 'ends_with', value: '@example.com', case_sensitive: false } },
    ],
  };

  it('lists every condition of a matched `all`, and the first matching child of an `any`', () => {
    expect(explain(rule, { lifecycle_stage: ' Customer ', total_revenue: '72000', email: 'ann@corp.io' })).toEqual({
      matched: true,
      conditions: [
        {
          path: '$.all[0]',
          attribute: 'lifecycle_stage',
          operator: 'in',
          value: ['customer', 'evangelist'],
          result: true,
          actual: { state: 'present', value: 'customer' },
        },
        {
          path: '$.all[1].any[0]',
          attribute: 'total_revenue',
          operator: 'gte',
          value: 50000,
          result: true,
          actual: { state: 'present', value: 72000 },
        },
        {
          path: '$.all[2].not',
          attribute: 'email',
          operator: 'ends_with',
          value: '@example.com',
          case_sensitive: false,
          result: false,
          negated: true,
          actual: { state: 'present', value: 'ann@corp.io' },
        },
      ],
    });
  });

  it('names the first failing child of an `all`, and every child of a failed `any`', () => {
    const failedAll = explain(rule, { lifecycle_stage: 'lead', total_revenue: 1 });
    expect(failedAll.matched).toBe(false);
    expect(failedAll.conditions.map((c) => c.path)).toEqual(['$.all[0]']);

    const failedAny = explain(rule, { lifecycle_stage: 'customer', total_revenue: 10, last_purchase_at: '2026-01-01' });
    expect(failedAny.matched).toBe(false);
    expect(failedAny.conditions.map((c) => [c.path, c.result, c.actual])).toEqual([
      ['$.all[1].any[0]', false, { state: 'present', value: 10 }],
      // A plain date, read in Europe/London: midnight GMT.
      ['$.all[1].any[1]', false, { state: 'present', value: '2026-01-01T00:00:00.000Z' }],
    ]);
  });

  it('reports a `not` that failed because its condition held', () => {
    const result = explain(rule, { lifecycle_stage: 'customer', total_revenue: 60000, email: 'x@EXAMPLE.com' });
    expect(result.matched).toBe(false);
    expect(result.conditions).toEqual([expect.objectContaining({ path: '$.all[2].not', result: true, negated: true })]);
  });

  it('says why a value is missing', () => {
    const all = {
      any: [
        { attribute: 'total_revenue', operator: 'gt', value: 0 },
        { attribute: 'employees', operator: 'gt', value: 0 },
        { attribute: 'annual_revenue', operator: 'gt', value: 0 },
        { attribute: 'orders_count', operator: 'gt', value: 0 },
        { attribute: 'tags', operator: 'contains_any', value: ['x'] },
        { attribute: 'created_at', operator: 'is_set' },
        { attribute: 'lifecycle_stage', operator: 'is_set' },
        { attribute: 'email_opt_out', operator: 'is_set' },
      ],
    };
    const result = explain(all, {
      employees: null,
      annual_revenue: '1,000',
      orders_count: '   ',
      tags: [null, ''],
      created_at: '2026-02-30',
      lifecycle_stage: 'vip',
      email_opt_out: { yes: true },
    });
    expect(result.matched).toBe(false);
    expect(result.conditions.map((c) => c.actual)).toEqual([
      { state: 'missing', reason: 'absent' },
      { state: 'missing', reason: 'null' },
      { state: 'missing', reason: 'unreadable', stored: '1,000' },
      { state: 'missing', reason: 'empty' },
      { state: 'missing', reason: 'empty' },
      { state: 'missing', reason: 'unreadable', stored: '2026-02-30' },
      { state: 'missing', reason: 'unreadable', stored: 'vip' },
      { state: 'missing', reason: 'unreadable', stored: '{"yes":true}' },
    ]);
  });

  it('shows values as read: trimmed text in its case, lists cleaned, enums in catalog spelling, dates as UTC instants', () => {
    const result = explain(
      {
        all: [
          { attribute: 'company', operator: 'contains', value: 'acme' },
          { attribute: 'tags', operator: 'contains_any', value: ['vip'] },
          { attribute: 'lifecycle_stage', operator: 'equals', value: 'customer' },
          { attribute: 'created_at', operator: 'before', value: '2027-01-01' },
          { attribute: 'email_opt_out', operator: 'equals', value: false },
        ],
      },
      {
        company: '  ACME Ltd ',
        tags: [' VIP ', null, 42, ''],
        lifecycle_stage: 'CUSTOMER',
        created_at: '2026-07-01T10:00:00',
        email_opt_out: ' False ',
      },
    );
    expect(result.conditions.map((c) => c.actual)).toEqual([
      { state: 'present', value: 'ACME Ltd' },
      { state: 'present', value: ['VIP', '42'] },
      { state: 'present', value: 'customer' },
      { state: 'present', value: '2026-07-01T09:00:00.000Z' },
      { state: 'present', value: false },
    ]);
  });

  it('cuts long unreadable values', () => {
    const result = explain({ attribute: 'total_revenue', operator: 'gt', value: 1 }, { total_revenue: 'x'.repeat(500) });
    const actual = result.conditions[0].actual;
    expect(actual.state === 'missing' && actual.stored?.length).toBe(101);
  });

  it('is JSON-serialisable and does not share the rule', () => {
    const compiled = compileRule({ attribute: 'country', operator: 'in', value: ['US'] }, CANONICAL_CATALOG);
    const result = compiled.explain({ country: 'us' }, ctx);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    (result.conditions[0].value as string[]).push('mutated');
    expect(compiled.explain({ country: 'us' }, ctx).conditions[0].value).toEqual(['US']);
  });
});
