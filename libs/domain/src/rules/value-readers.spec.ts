import { lowerList, missingReason, readBoolean, readNumber, readString, readStringList } from './value-readers';

describe('value readers', () => {
  it('reads numbers in JSON syntax after trimming', () => {
    expect(['42', ' -3.5 ', '1e3', '0', '-0', '1E-2'].map(readNumber)).toEqual([42, -3.5, 1000, 0, -0, 0.01]);
    expect(['', ' ', '1,000', '12abc', '+1', '.5', '5.', '01', '0x1f', 'NaN', 'Infinity', '1e999'].map(readNumber)).toEqual(
      Array(12).fill(undefined),
    );
    expect([Number.NaN, Number.POSITIVE_INFINITY, true, null, [1], { v: 1 }].map(readNumber)).toEqual(Array(6).fill(undefined));
  });

  it('reads booleans', () => {
    expect([true, false, 'TRUE', ' false ', 'True'].map(readBoolean)).toEqual([true, false, true, false, true]);
    expect(['yes', 1, 0, '1', '', null].map(readBoolean)).toEqual(Array(6).fill(undefined));
  });

  it('reads strings trimmed, numbers and booleans as JSON text', () => {
    expect([' a ', 42, 1e21, -0, 0.1, true, false].map(readString)).toEqual(['a', '42', '1e+21', '0', '0.1', 'true', 'false']);
    expect(['', ' \u00a0\ufeff ', Number.NaN, [], {}, null, undefined].map(readString)).toEqual(Array(7).fill(undefined));
  });

  it('reads string lists, dropping what is not a string, and copies only when needed', () => {
    const clean = ['a', 'b'];
    expect(readStringList(clean)).toBe(clean);
    expect(readStringList([' a ', null, ['x'], { y: 1 }, '', 3, false])).toEqual(['a', '3', 'false']);
    expect(readStringList([null, ' '])).toBeUndefined();
    expect(readStringList('a')).toBeUndefined();
    const lower = ['a', 'b'];
    expect(lowerList(lower)).toBe(lower);
    expect(lowerList(['a', 'B', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('names why a value is missing', () => {
    expect(missingReason(undefined, 'string')).toBe('absent');
    expect(missingReason(null, 'number')).toBe('null');
    expect(missingReason('  ', 'date')).toBe('empty');
    expect(missingReason([null], 'string_list')).toBe('empty');
    expect(missingReason([], 'string')).toBe('unreadable');
    expect(missingReason('abc', 'number')).toBe('unreadable');
  });
});
