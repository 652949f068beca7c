import { CANONICAL_CATALOG, catalogOf, CANONICAL_ATTRIBUTES } from '../attributes/attribute';
import { ValidationError } from '../errors/domain-error';
import { InvalidRuleError } from './invalid-rule-error';
import { compileRule } from './rule-compiler';
import { MAX_REPORTED_ISSUES, validateRule } from './rule-validator';

describe('validateRule', () => {
  it('returns [] for a valid rule', () => {
    expect(
      validateRule(
        { all: [{ attribute: 'email', operator: 'ends_with', value: '@corp.io' }, { not: { attribute: 'tags', operator: 'is_set' } }] },
        CANONICAL_CATALOG,
      ),
    ).toEqual([]);
  });

  it('names the closest known attribute for an unknown one', () => {
    const [issue] = validateRule({ attribute: 'totl_revenue', operator: 'gt', value: 1 }, CANONICAL_CATALOG);
    expect(issue).toMatchObject({ path: '$', code: 'UNKNOWN_ATTRIBUTE' });
    expect(issue.message).toContain('"totl_revenue"');
    expect(issue.message).toContain('"total_revenue"');
  });

  it('suggests the right spelling when only the case differs (names are case-sensitive)', () => {
    const [issue] = validateRule({ attribute: 'Email', operator: 'is_set' }, CANONICAL_CATALOG);
    expect(issue.message).toContain('closest known attribute is "email"');
  });

  it('suggests deterministically whatever the catalog order', () => {
    const reversed = catalogOf([...CANONICAL_ATTRIBUTES].reverse());
    const rule = { attribute: 'city_x', operator: 'is_set' };
    expect(validateRule(rule, reversed)).toEqual(validateRule(rule, CANONICAL_CATALOG));
  });

  it('suggests an operator and lists those allowed for the type', () => {
    const [unknown] = validateRule({ attribute: 'email', operator: 'equal', value: 'x' }, CANONICAL_CATALOG);
    expect(unknown).toMatchObject({ code: 'UNKNOWN_OPERATOR' });
    expect(unknown.message).toContain('"equals"');
    const [notAllowed] = validateRule({ attribute: 'total_revenue', operator: 'contains', value: '1' }, CANONICAL_CATALOG);
    expect(notAllowed.code).toBe('OPERATOR_NOT_ALLOWED');
    expect(notAllowed.message).toContain('gte');
    expect(notAllowed.message).toContain('between');
  });

  it('explains enum values and dates in words', () => {
    const [enumIssue] = validateRule({ attribute: 'lifecycle_stage', operator: 'equals', value: 'vip' }, CANONICAL_CATALOG);
    expect(enumIssue.message).toContain('"customer"');
    const [dateIssue] = validateRule({ attribute: 'created_at', operator: 'before', value: '2026-01-31T09:30:00' }, CANONICAL_CATALOG);
    expect(dateIssue).toMatchObject({ path: '$.value', code: 'INVALID_DATE' });
    expect(dateIssue.message).toMatch(/offset/);
  });

  it('collects every issue, in document order', () => {
    const issues = validateRule(
      {
        all: [
          { attribute: 'nope', operator: 'is_set' },
          { any: [{ attribute: 'email', operator: 'matches', value: '(?<=a)b' }, {}] },
          { attribute: 'total_revenue', operator: 'between', value: [3, 1] },
        ],
      },
      CANONICAL_CATALOG,
    );
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['$.all[0]', 'UNKNOWN_ATTRIBUTE'],
      ['$.all[1].any[0].value', 'REGEX_UNSAFE'],
      ['$.all[1].any[1]', 'EMPTY_NODE'],
      ['$.all[2].value', 'INVALID_RANGE'],
    ]);
  });

  it('refuses rule texts that cannot be stored: NUL and lone surrogates, in values, lists and patterns', () => {
    const rule = {
      all: [
        { attribute: 'email', operator: 'equals', value: 'a\u0000b' },
        { attribute: 'email', operator: 'in', value: ['ok', 'x\ud800'] },
        { attribute: 'email', operator: 'matches', value: '^a\udc00' },
        { attribute: 'email', operator: 'equals', value: 'fine 😀' },
      ],
    };
    expect(validateRule(rule, CANONICAL_CATALOG).map((i) => [i.path, i.code])).toEqual([
      ['$.all[0].value', 'INVALID_VALUE'],
      ['$.all[1].value[1]', 'INVALID_VALUE'],
      ['$.all[2].value', 'INVALID_VALUE'],
    ]);
  });

  it('survives hostile nesting without overflowing the stack', () => {
    let rule: unknown = { attribute: 'email', operator: 'is_set' };
    for (let i = 0; i < 100_000; i++) rule = { not: rule };
    const issues = validateRule(rule, CANONICAL_CATALOG);
    expect(issues).toHaveLength(1);
    expect(issues[0].code).toBe('TOO_DEEP');
  });

  it('caps the number of issues reported for a pathological rule', () => {
    const rule = { any: Array.from({ length: 5000 }, () => ({ attribute: 'x', operator: 'is_set' })) };
    const issues = validateRule(rule, CANONICAL_CATALOG);
    expect(issues).toHaveLength(MAX_REPORTED_ISSUES);
  });

  it('treats keys such as __proto__ and constructor as unknown keys, not as prototype tricks', () => {
    const rule = JSON.parse('{"attribute":"email","operator":"is_set","__proto__":{"all":[]},"constructor":1}') as unknown;
    expect(validateRule(rule, CANONICAL_CATALOG).map((i) => i.code)).toEqual(['UNKNOWN_KEY', 'UNKNOWN_KEY']);
  });

  it('does not crash on values that JSON cannot carry', () => {
    const issues = validateRule({ attribute: 'total_revenue', operator: 'gt', value: Number.NaN }, CANONICAL_CATALOG);
    expect(issues.map((i) => i.code)).toEqual(['INVALID_VALUE']);
    expect(validateRule({ attribute: 'email', operator: 'equals', value: 10n }, CANONICAL_CATALOG)[0].code).toBe('INVALID_VALUE');
  });

  it('validates custom attributes whose names are odd or shadow Object.prototype', () => {
    const catalog = catalogOf([{ name: 'constructor', type: 'string' }, { name: 'a b"c', type: 'number' }]);
    expect(validateRule({ all: [{ attribute: 'constructor', operator: 'is_set' }, { attribute: 'a b"c', operator: 'gt', value: 1 }] }, catalog)).toEqual([]);
    expect(validateRule({ attribute: 'toString', operator: 'is_set' }, catalog)[0].code).toBe('UNKNOWN_ATTRIBUTE');
  });
});

describe('InvalidRuleError', () => {
  it('is what compileRule throws, with every issue as a detail', () => {
    let error: unknown;
    try {
      compileRule({ all: [{ attribute: 'emial', operator: 'is_set' }, { any: [] }] }, CANONICAL_CATALOG);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRuleError);
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as InvalidRuleError;
    expect(e.code).toBe('RULE_INVALID');
    expect(e.kind).toBe('invalid');
    expect(e.details).toEqual([
      { field: '$.all[0]', code: 'UNKNOWN_ATTRIBUTE', message: expect.stringContaining('"email"') },
      { field: '$.all[1]', code: 'EMPTY_GROUP', message: expect.any(String) },
    ]);
    expect(e.issues).toHaveLength(2);
  });
});
