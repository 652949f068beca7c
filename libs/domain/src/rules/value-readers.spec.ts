import { foldEndsWith, foldStartsWith } from './case-fold';
import { intern, lowerList, makeEnumReader, makeLowerListReader, memoizeTexts, missingReason, readBoolean, readLowerString, readNumber, readString, readStringList, TEXT_MEMO_CAPACITY, trimText } from './value-readers';

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
    expect(readStringList([undefined, 'a'])).toEqual(['a']);
    expect(readStringList([undefined])).toBeUndefined();
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

  it('trims like String.prototype.trim', () => {
    for (const text of ['', ' ', 'a', ' a', 'a ', '\u00a0a', 'a\ufeff', '\u1680a', 'é', 'aé', '\u3000x\u3000', '\n', 'a b']) {
      expect(trimText(text)).toBe(text.trim());
    }
  });

  it('remembers what it read for recurring texts, and stops remembering an attribute with too many', () => {
    let reads = 0;
    const read = memoizeTexts((raw) => {
      reads++;
      return readLowerString(raw);
    });
    expect([read(' US '), read(' US '), read('US'), read(42), read('  ')]).toEqual(['us', 'us', 'us', '42', undefined]);
    expect(reads).toBe(4); // ' US ' once, 'US', 42 (not a text), '  ' (missing: not remembered)
    for (let i = 0; i <= TEXT_MEMO_CAPACITY + 1; i++) expect(read(`X${i}`)).toBe(`x${i}`);
    reads = 0;
    expect(read(' US ')).toBe('us');
    expect(reads).toBe(1);
    expect(intern(['a', 'b'].join(''))).toBe('ab');
  });

  it('reads enum keys and lower-cased lists like the plain readers', () => {
    const reader = makeEnumReader(['Subscriber', ' Foo Bar ', 'İstanbul']);
    const read = memoizeTexts(reader.read);
    expect([' subscriber', 'FOO BAR', 'i̇stanbul', 'İSTANBUL', 'nope', 3, null].map(read)).toEqual(['subscriber', 'foo bar', 'i̇stanbul', 'i̇stanbul', undefined, undefined, undefined]);
    expect(reader.canonical('foo bar')).toBe('Foo Bar');
    const lower = makeLowerListReader();
    for (const raw of [['a', 'B'], [' A ', null, 3, ['x'], '', 'É'], ['a'], [null], [undefined, 'Z'], 'a', null]) {
      expect(lower(raw)).toEqual(lowerList(readStringList(raw)));
    }
    const clean = ['a', 'b'];
    expect(lower(clean)).toBe(clean);
  });

  it('folds case for prefixes and suffixes exactly as lower-casing does', () => {
    const texts = ['QA@x', 'qa', 'Q', '', 'İx', 'xİ', '\u212Ax', 'x\u212A', 'ΟΔΟΣ', 'Σ', 'ß', 'a😀', '@EXAMPLE.COM', 'x@Example.com'];
    const lowers = ['qa', 'q', 'k', 'i̇', 'i̇x', 'ς', 'σ', 'οδος', 'οδοσ', '@example.com', 'ß', '😀', 'x'];
    for (const text of texts) {
      for (const lower of lowers) {
        expect(foldStartsWith(text, lower)).toBe(text.toLowerCase().startsWith(lower));
        expect(foldEndsWith(text, lower)).toBe(text.toLowerCase().endsWith(lower));
      }
    }
  });
});
