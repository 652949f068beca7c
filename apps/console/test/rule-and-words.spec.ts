import { matchedSentence, rejectedSentences, type Explanation } from '../src/explain';
import { defaultValue, OPERATORS, replaceAt, tidy, type Node } from '../src/rule';

/** The console's pure parts: plain-words explanations and the rule builder's tree edits. */
describe('explanations in plain words', () => {
  const explanation: Explanation = {
    persona: { key: 'champion', name: 'Champion', index: 1, fallback: false },
    matched: [
      { path: '$.all[0]', attribute: 'total_revenue', operator: 'gt', value: 50000, result: true, actual: { state: 'present', value: 72000 } },
      { path: '$.all[1]', attribute: 'last_purchase_at', operator: 'within_last_days', value: 30, result: true, actual: { state: 'present', value: '2026-12-01T00:00:00Z' } },
    ],
    rejected: [
      {
        key: 'enterprise',
        name: 'Enterprise',
        index: 0,
        firstFailed: { path: '$', attribute: 'employees', operator: 'gte', value: 500, result: false, actual: { state: 'present', value: 80 } },
        conditions: [],
      },
      {
        key: 'partner',
        name: 'Partner',
        index: 0,
        firstFailed: { path: '$', attribute: 'company', operator: 'ends_with', value: 'GmbH', result: false, actual: { state: 'missing', reason: 'absent' } },
        conditions: [],
      },
    ],
  };

  it('says why the persona matched and why each one above it did not', () => {
    expect(matchedSentence(explanation)).toBe('Champion: total revenue over 50,000 and last purchase in the last 30 days');
    expect(rejectedSentences(explanation)).toEqual([
      'not Enterprise: employees 80, needs employees of at least 500',
      'not Partner: company not set, needs company ends with GmbH',
    ]);
  });

  it('names the fallback as such', () => {
    expect(matchedSentence({ ...explanation, persona: { key: 'rest', name: 'Everyone else', index: 3, fallback: true }, matched: [] })).toBe(
      'Everyone else: no persona above it matched (the fallback)',
    );
  });
});

describe('rule builder tree', () => {
  const rule: Node = { all: [{ attribute: 'employees', operator: 'gte', value: 500 }, { any: [{ attribute: 'country', operator: 'equals', value: 'US' }] }] };

  it('replaces or removes the node at an API path', () => {
    expect(replaceAt(rule, '$.all[1].any[0]', { attribute: 'country', operator: 'equals', value: 'FR' })).toEqual({
      all: [{ attribute: 'employees', operator: 'gte', value: 500 }, { any: [{ attribute: 'country', operator: 'equals', value: 'FR' }] }],
    });
    expect(replaceAt(rule, '$.all[0]', null)).toEqual({ all: [{ any: [{ attribute: 'country', operator: 'equals', value: 'US' }] }] });
    expect(replaceAt({ not: { attribute: 'tags', operator: 'is_set' } }, '$.not', { attribute: 'tags', operator: 'is_not_set' })).toEqual({
      not: { attribute: 'tags', operator: 'is_not_set' },
    });
  });

  it('offers only the operators of the type, with values that fit', () => {
    expect(OPERATORS.number).not.toContain('contains');
    expect(OPERATORS.enum).not.toContain('gt');
    expect(defaultValue('date', 'within_last_days')).toBe(30);
    expect(defaultValue('number', 'between')).toEqual([0, 100]);
    expect(defaultValue('enum', 'in', ['lead', 'customer'])).toEqual(['lead']);
    expect(defaultValue('string', 'is_set')).toBeUndefined();
  });

  it('puts condition keys in reading order', () => {
    expect(JSON.stringify(tidy({ all: [{ value: 1, operator: 'gt', attribute: 'employees' } as Node] }))).toBe(
      '{"all":[{"attribute":"employees","operator":"gt","value":1}]}',
    );
  });
});
