import { RE2JS } from 're2js';
import { compileRulePattern, requiredLiteral, translateToRe2 } from './rule-regex';

const test = (pattern: string, value: string, caseSensitive = false): boolean => {
  const compiled = compileRulePattern(pattern, caseSensitive);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.regex.test(value);
};

describe('compileRulePattern', () => {
  it('keeps ECMAScript meaning where RE2 differs', () => {
    expect(test('a.b', 'a\u2028b')).toBe(false);
    expect(test('a.b', 'a\rb')).toBe(false);
    expect(test('a\\sb', 'a\u3000b')).toBe(true);
    expect(test('a[^\\S]b', 'a\u00a0b')).toBe(true);
    expect(test('a\\Sb', 'a\u00a0b')).toBe(false);
    expect(test('x[]', 'x')).toBe(false);
    expect(test('^[^]$', '\n')).toBe(true);
    expect(test('[[:a]', ':')).toBe(true);
    expect(test('\\u{1F600}', '😀')).toBe(true);
    expect(test('\\uD83D\\uDE00', '😀')).toBe(true);
    expect(test('\\p{Script=Greek}', 'λ')).toBe(true);
    expect(test('[\\b]', '\b')).toBe(true);
    expect(test('\\cJ', '\n')).toBe(true);
  });

  it('compiles the trimmed pattern, counting its length as given (docs/rule-language.md trims every string value)', () => {
    expect(test(' ^head of ', 'Head of Data')).toBe(true);
    expect(test('\t@corp\\.io$\n', 'ana@corp.io')).toBe(true);
    expect(test(' a b ', 'xa by')).toBe(true);
    expect(compileRulePattern(` ${'a'.repeat(199)} `, false)).toMatchObject({ ok: false, code: 'REGEX_TOO_LONG' });
    expect(compileRulePattern('a'.repeat(200), false).ok).toBe(true);
  });

  it('ignores case unless case_sensitive, with either engine path', () => {
    expect(test('^head of', 'HEAD OF SALES')).toBe(true);
    expect(test('^head of', 'HEAD OF SALES', true)).toBe(false);
    expect(test('sales$', 'Head of SALES')).toBe(true);
    expect(test('sales$', 'Head of SALES', true)).toBe(false);
  });

  it('matches in linear time', () => {
    const started = Date.now();
    expect(test('^(a+)+$', `${'a'.repeat(100_000)}b`)).toBe(false);
    expect(test('(x+x+)+y', 'x'.repeat(100_000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('classifies problems', () => {
    const code = (pattern: string) => {
      const compiled = compileRulePattern(pattern, false);
      return compiled.ok ? 'ok' : compiled.code;
    };
    expect(code('a'.repeat(200))).toBe('ok');
    expect(code('😀'.repeat(200))).toBe('ok');
    expect(code('a'.repeat(201))).toBe('REGEX_TOO_LONG');
    expect(['(a)\\1', '\\k<n>(?<n>a)', '(?=a)', '(?!a)', '(?<=a)', '(?<!a)'].map(code)).toEqual(Array(6).fill('REGEX_UNSAFE'));
    expect(['[\\1]'].map(code)).toEqual(['REGEX_INVALID']);
    expect(['(', '[b-a]', 'a**', '(?i)a', '\\Qa\\E', 'a{1001}', '\\p{Letter}', '\\z'].map(code)).toEqual(Array(8).fill('REGEX_INVALID'));
  });
});

describe('requiredLiteral', () => {
  it('finds the longest literal every match contains', () => {
    expect(requiredLiteral('^head of')).toBe('head of');
    expect(requiredLiteral('^[a-z]+@corp\\.io$')).toBe('@corp.io');
    expect(requiredLiteral('ab+cd')).toBe('ab');
    expect(requiredLiteral('\\u{1F600}abc\\u0041\\x41\\p{L}xy')).toBe('abc');
    expect(requiredLiteral('\\d+-\\d+')).toBe('-');
  });

  it('gives up where a literal may be skipped', () => {
    expect(['a|b', '(abc)', 'abc?', 'ab*', 'a{2}', '.+', '[abc]', '^$'].map(requiredLiteral)).toEqual(Array(8).fill(undefined));
  });

  it('never rejects what RE2 matches, including K and ſ folding', () => {
    expect(test('kelvin', '\u212Aelvin')).toBe(true);
    expect(test('^sales', '\u017Fales')).toBe(true);
    expect(test('straße', 'STRASSE')).toBe(false);
    expect(test('@corp\\.io$', 'BOB@CORP.IO')).toBe(true);
    expect(test('@corp\\.io$', 'BOB@CORP.IO', true)).toBe(false);
    expect(test('İstanbul', 'i̇stanbul')).toBe(test('(?:İ)stanbul', 'i̇stanbul'));
  });
});

describe('literal prefilter (differential)', () => {
  it('agrees with RE2 alone on generated patterns and values', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const atoms = ['a', 'k', 's', 'S', 'K', 'ſ', 'K', 'é', 'İ', '1', '-', ' ', '\\.', '.', '[a-k]', '\\d', '\\s', '^', '$', '+', '\\b'];
    const chars = ['a', 'A', 'k', 'K', 's', 'S', 'ſ', 'K', 'é', 'É', 'İ', 'i', '1', '-', ' ', '.', '\u00a0'];
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const pattern = Array.from({ length: 1 + random(5) }, () => atoms[random(atoms.length)]).join('');
      for (const caseSensitive of [false, true]) {
        const compiled = compileRulePattern(pattern, caseSensitive);
        if (!compiled.ok) continue;
        // Patterns are trimmed before compiling, like every string operator's value.
        const reference = RE2JS.compile(translateToRe2(pattern.trim()), caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
        for (let j = 0; j < 30; j++) {
          const value = Array.from({ length: random(7) }, () => chars[random(chars.length)]).join('');
          expect([pattern, value, caseSensitive, compiled.regex.test(value)]).toEqual([pattern, value, caseSensitive, reference.test(value)]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });
});
