import { inputProblemsOf, MAX_JSON_DEPTH } from './input-problems';

describe('inputProblemsOf', () => {
  it('finds nothing wrong in ordinary input', () => {
    expect(inputProblemsOf({ name: 'VIP 😀', rule: { all: [{ attribute: 'plan', operator: 'in', value: ['pro', 1, null, true] }] } })).toEqual({ text: [] });
  });

  it('names each string and key holding NUL or a lone surrogate by its path', () => {
    const body = JSON.parse('{"name":"a\\u0000","rule":{"all":[{"value":["ok","\\ud800"]}]},"odd key":{"k\\u0000":1}}') as unknown;
    expect(inputProblemsOf(body).text.map((d) => [d.field, d.code])).toEqual([
      ['name', 'NUL_CHARACTER'],
      ['rule.all[0].value[1]', 'LONE_SURROGATE'],
      ['["odd key"]["k\\u0000"]', 'NUL_CHARACTER'],
    ]);
  });

  it('names query parameters by their name, list elements included', () => {
    expect(inputProblemsOf('a\u0000', 'email').text[0].field).toBe('email');
    expect(inputProblemsOf(['ok', '\udfff'], 'crmId').text[0].field).toBe('crmId[1]');
    expect(inputProblemsOf('\u0000').text[0].field).toBe('body');
  });

  it(`accepts ${MAX_JSON_DEPTH} levels and refuses one more, naming where, without recursing`, () => {
    const nest = (levels: number): unknown => JSON.parse('{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1));
    expect(inputProblemsOf(nest(MAX_JSON_DEPTH)).tooDeep).toBeUndefined();
    expect(inputProblemsOf(nest(MAX_JSON_DEPTH + 1)).tooDeep).toEqual({
      field: Array(MAX_JSON_DEPTH).fill('a').join('.'),
      message: `is nested more than ${MAX_JSON_DEPTH} levels deep`,
      code: 'TOO_DEEP',
    });
    // 200,000 levels would overflow any recursive walk.
    expect(inputProblemsOf(JSON.parse('['.repeat(200_000) + ']'.repeat(200_000))).tooDeep?.code).toBe('TOO_DEEP');
  });
});
