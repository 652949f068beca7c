import { CANONICAL_CATALOG, catalogOf, CANONICAL_ATTRIBUTES, type Attributes } from '../attributes/attribute';
import { ValidationError } from '../errors/domain-error';
import { analyzeRule } from './rule-validator';
import { EvaluatorLayout } from './evaluator-layout';
import { generateEvaluator } from './evaluator-codegen';
import { compileRule } from './rule-compiler';
import { isValidTimeZone } from './zone-clock';

const ctx = { now: Date.parse('2026-11-23T12:00:00Z'), timeZone: 'Europe/London' };

describe('compileRule', () => {
  describe('rule values are data, never code', () => {
    const payloads = [
      '"]);process.exit(1);//',
      "');process.exit(1);//",
      '${process.exit(1)}',
      '`;process.exit(1);`',
      '\u2028process.exit(1)\u2029',
      '\\u0022); process.exit(1); //',
      '*/process.exit(1);/*',
      '</script>',
    ];

    it.each(payloads)('compares %j as text', (payload) => {
      const exit = jest.spyOn(process, 'exit').mockImplementation((() => {
        throw new Error('process.exit called');
      }) as never);
      try {
        const rule = {
          any: [
            { attribute: 'company', operator: 'equals', value: payload, case_sensitive: true },
            { attribute: 'tags', operator: 'contains_any', value: [payload] },
            { attribute: 'job_title', operator: 'in', value: [payload] },
          ],
        };
        const evaluate = compileRule(rule, CANONICAL_CATALOG).bind(ctx);
        expect(evaluate({ company: payload })).toBe(true);
        expect(evaluate({ tags: [payload.toUpperCase()] })).toBe(true);
        expect(evaluate({ company: 'x' })).toBe(false);
        expect(exit).not.toHaveBeenCalled();
      } finally {
        exit.mockRestore();
      }
    });

    it('keeps rule values and odd attribute names out of the generated source', () => {
      const name = 'x"]);process.exit(1);//';
      const catalog = catalogOf([...CANONICAL_ATTRIBUTES, { name, type: 'number' }, { name: 'constructor', type: 'string' }]);
      const rule = {
        all: [
          { attribute: 'email', operator: 'equals', value: 'SECRET"]);//' },
          { attribute: name, operator: 'gt', value: 12345.678 },
          { attribute: 'constructor', operator: 'is_not_set' },
        ],
      };
      const { plan } = analyzeRule(rule, catalog);
      const layout = new EvaluatorLayout([plan!]);
      const { source } = generateEvaluator(layout, [plan!], 'boolean');
      expect(source).not.toContain('SECRET');
      expect(source).not.toContain('secret');
      expect(source).not.toContain('process');
      expect(source).not.toContain('12345');
      const evaluate = compileRule(rule, catalog).bind(ctx);
      expect(evaluate({ email: 'secret"]);//', [name]: 20000 })).toBe(true);
      expect(evaluate({ email: 'secret"]);//', [name]: 20000, constructor: 'x' })).toBe(false);
    });
  });

  it('reads attributes that shadow Object.prototype only as own properties', () => {
    const catalog = catalogOf([{ name: 'constructor', type: 'string' }, { name: 'valueof', type: 'string' }, { name: 'toString', type: 'string' }]);
    const compiled = compileRule({ any: [{ attribute: 'constructor', operator: 'is_set' }, { attribute: 'toString', operator: 'is_set' }] }, catalog);
    const evaluate = compiled.bind(ctx);
    expect(evaluate({})).toBe(false);
    expect(compiled.explain({}, ctx).conditions.map((c) => c.actual)).toEqual([
      { state: 'missing', reason: 'absent' },
      { state: 'missing', reason: 'absent' },
    ]);
    expect(evaluate({ constructor: 'Acme' } as Attributes)).toBe(true);
  });

  it('reads each attribute once per customer, however many conditions use it', () => {
    const rule = {
      all: [
        { attribute: 'email', operator: 'contains', value: '@' },
        { attribute: 'email', operator: 'not_contains', value: 'test' },
        { attribute: 'email', operator: 'matches', value: '^[a-z]' },
        { attribute: 'email', operator: 'equals', value: 'A@B.C', case_sensitive: true },
        { not: { attribute: 'email', operator: 'is_not_set' } },
      ],
    };
    const evaluate = compileRule(rule, CANONICAL_CATALOG).bind(ctx);
    let reads = 0;
    const customer = {
      get email() {
        reads++;
        return ' A@B.C ';
      },
    };
    expect(evaluate(customer)).toBe(true);
    expect(reads).toBe(1);
  });

  it('treats null or undefined attributes as a customer with nothing set', () => {
    const evaluate = compileRule({ attribute: 'email', operator: 'is_not_set' }, CANONICAL_CATALOG).bind(ctx);
    expect(evaluate(null as unknown as Attributes)).toBe(true);
    expect(evaluate(undefined as unknown as Attributes)).toBe(true);
  });

  it('computes context-dependent thresholds per bind', () => {
    const compiled = compileRule({ attribute: 'last_purchase_at', operator: 'within_last_days', value: 1 }, CANONICAL_CATALOG);
    const customer = { last_purchase_at: '2026-11-23T00:00:00Z' };
    expect(compiled.bind({ now: Date.parse('2026-11-23T12:00:00Z'), timeZone: 'UTC' })(customer)).toBe(true);
    expect(compiled.bind({ now: Date.parse('2026-11-25T12:00:00Z'), timeZone: 'UTC' })(customer)).toBe(false);
  });

  it('is deterministic: same inputs, same results and explanations', () => {
    const rule = {
      any: [
        { attribute: 'created_at', operator: 'between', value: ['2026-03-29', '2026-03-29'] },
        { attribute: 'tags', operator: 'contains_all', value: ['a', 'b'] },
        { not: { attribute: 'country', operator: 'in', value: ['US', 'CA'] } },
      ],
    };
    const customers: Attributes[] = [
      { created_at: '2026-03-29T12:00:00' },
      { created_at: '2026-03-29' },
      { tags: ['A', ' b '], country: 'us' },
      { country: ' ca ' },
      {},
    ];
    const run = () => {
      const compiled = compileRule(JSON.parse(JSON.stringify(rule)), CANONICAL_CATALOG);
      const evaluate = compiled.bind(ctx);
      return customers.map((c) => ({ matched: evaluate(c), explanation: JSON.stringify(compiled.explain(c, ctx)) }));
    };
    expect(run()).toEqual(run());
  });

  it('gives the same answers for a few values (compared inline) and for many (a Set)', () => {
    const few = ['GB', 'de'];
    const many = [...few, 'fr', 'es', 'it', 'pt', 'nl', 'be', 'at', 'ch', 'se'];
    const customers: Attributes[] = [{ country: ' gb ', tags: ['X', 'De'], employees: '42' }, { country: 'US', tags: ['se'], employees: -0 }, { country: 'Se' }, {}];
    for (const values of [few, many]) {
      const numbers = values.map((_, i) => i * 21);
      const positive = compileRule(
        {
          any: [
            { attribute: 'country', operator: 'in', value: values },
            { attribute: 'tags', operator: 'contains_any', value: values },
            { attribute: 'employees', operator: 'in', value: numbers },
          ],
        },
        CANONICAL_CATALOG,
      ).bind(ctx);
      const negative = compileRule(
        {
          all: [
            { attribute: 'country', operator: 'not_in', value: values },
            { attribute: 'tags', operator: 'contains_none', value: values },
            { attribute: 'employees', operator: 'not_in', value: numbers },
          ],
        },
        CANONICAL_CATALOG,
      ).bind(ctx);
      expect(customers.map(positive)).toEqual(values === few ? [true, true, false, false] : [true, true, true, false]);
      // Missing values are false for the negative operators too.
      expect(customers.map(negative)).toEqual([false, false, false, false]);
      expect(negative({ country: 'US', tags: ['x'], employees: 1 })).toBe(true);
    }
  });

  it('refuses a bad evaluation context with a ValidationError', () => {
    const compiled = compileRule({ attribute: 'email', operator: 'is_set' }, CANONICAL_CATALOG);
    expect(() => compiled.bind({ now: 0, timeZone: 'Mars/Olympus' })).toThrow(ValidationError);
    expect(() => compiled.bind({ now: Number.NaN, timeZone: 'UTC' })).toThrow(expect.objectContaining({ code: 'INVALID_NOW' }));
    expect(() => compiled.explain({}, { now: 0, timeZone: '+01:00' })).toThrow(expect.objectContaining({ code: 'INVALID_TIME_ZONE' }));
  });
});

describe('isValidTimeZone', () => {
  it.each(['UTC', 'Europe/London', 'America/Sao_Paulo', 'Etc/GMT+5', 'America/Argentina/Buenos_Aires'])('accepts %s', (tz) => {
    expect(isValidTimeZone(tz)).toBe(true);
  });
  it.each(['', 'Mars/Olympus', '+01:00', 'UTC+1', ' Europe/London', 'Europe/London\n'])('refuses %j', (tz) => {
    expect(isValidTimeZone(tz)).toBe(false);
  });
});
