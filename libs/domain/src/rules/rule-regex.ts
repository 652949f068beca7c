import { RE2JS, RE2Set } from 're2js';
import { RULE_LIMITS } from './rule-types';

/**
 * `matches` patterns: written in ECMAScript syntax (as `new RegExp(pattern, 'u')` reads it),
 * run by RE2JS so matching is linear in the value's length whatever the pattern.
 *
 * A pattern is accepted only when it is valid ECMAScript *and* its RE2 translation compiles, so
 * RE2-only syntax (`(?i)`, `\Q…\E`, `[[:alpha:]]`, `\z`) is refused and so is ECMAScript that RE2
 * cannot run in linear time (backreferences, lookaround) or at all (`a{1001}`, `\p{Letter}`).
 * The translation keeps ECMAScript's meaning where RE2's differs: `.` excludes \n \r U+2028
 * U+2029, `\s`/`\S` are ECMAScript's Unicode white space (the set `trim()` removes), `[]` matches
 * nothing and `[^]` anything. Captures become non-capturing groups: only "found or not" matters.
 */

export type RegexProblem = { code: 'REGEX_TOO_LONG' | 'REGEX_UNSAFE' | 'REGEX_INVALID'; message: string };

/** A compiled `matches` pattern: is it found anywhere in the (trimmed) value? */
export interface RulePattern {
  test(value: string): boolean;
}

export type RegexCompilation = { ok: true; regex: RulePattern } | ({ ok: false } & RegexProblem);

export function compileRulePattern(pattern: string, caseSensitive: boolean): RegexCompilation {
  const length = codePointLength(pattern);
  if (length > RULE_LIMITS.maxRegexLength) {
    return {
      ok: false,
      code: 'REGEX_TOO_LONG',
      message: `The regular expression has ${length} characters; at most ${RULE_LIMITS.maxRegexLength} are allowed`,
    };
  }
  // The limit counts the pattern as given; what is compiled is the trimmed pattern, since every
  // string operator's value is trimmed (docs/rule-language.md), `matches` included.
  const source = pattern.trim();
  const unsafe = findUnsafeConstruct(source);
  if (unsafe !== undefined) {
    return {
      ok: false,
      code: 'REGEX_UNSAFE',
      message: `The regular expression uses ${unsafe}, which cannot be evaluated in linear time; rewrite it without`,
    };
  }
  try {
    // Compiling (never running) a RegExp is only a syntax check against the ECMAScript grammar.
    new RegExp(source, 'u');
  } catch (e) {
    return { ok: false, code: 'REGEX_INVALID', message: `The regular expression is not valid: ${reason(e)}` };
  }
  try {
    const translated = translateToRe2(source);
    const flags = caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE;
    const regex = RE2JS.compile(translated, flags);
    return { ok: true, regex: withLiteralPrefilter(source, caseSensitive, fastestMatcher(regex, translated, flags)) };
  } catch (e) {
    return {
      ok: false,
      code: 'REGEX_INVALID',
      message: `The regular expression is not supported by the linear-time engine: ${reason(e)}`,
    };
  }
}

/**
 * Same answer either way (both are RE2's "found anywhere"); only speed differs. RE2JS runs
 * start-anchored, case-insensitive patterns on its one-pass engine, which measured ~250 ns on short
 * values against ~120 ns for the DFA that RE2Set always uses; otherwise `test` is faster (down to
 * ~20 ns when its literal prefilter applies).
 */
function fastestMatcher(regex: RE2JS, translated: string, flags: number): RulePattern {
  if (flags === 0 || !/(?:^|[^\\[])\^/.test(translated)) return regex;
  const set = new RE2Set(RE2Set.UNANCHORED, flags);
  set.add(translated);
  set.compile();
  return { test: (value: string) => set.match(value).length > 0 };
}

/**
 * Most values of a segmentation do not match, and RE2JS costs 100-250 ns per call even then. When
 * every match must contain a known literal, a plain `includes` rejects those values first. The
 * check is only a filter: whenever it passes, RE2 decides.
 *
 * Case-insensitive: RE2 folds each ASCII letter to its two cases, plus K (U+212A) for k and ſ
 * (U+017F) for s. toLowerCase maps U+212A to k but leaves ſ alone, so a value with ſ is never
 * rejected when the literal has an s. Non-ASCII literals are not used in that mode.
 */
function withLiteralPrefilter(pattern: string, caseSensitive: boolean, matcher: RulePattern): RulePattern {
  const literal = requiredLiteral(pattern);
  if (literal === undefined) return matcher;
  if (caseSensitive) return { test: (value) => value.includes(literal) && matcher.test(value) };
  if (!/^[\x00-\x7f]+$/.test(literal)) return matcher;
  const needle = literal.toLowerCase();
  const longS = needle.includes('s');
  return {
    test: (value) => (value.toLowerCase().includes(needle) || (longS && value.includes('\u017f'))) && matcher.test(value),
  };
}

/**
 * The longest run of literal characters that every match contains, found conservatively: only for
 * patterns without alternation, groups or optional quantifiers (`|`, `(`, `?`, `*`, `{`), where
 * every literal outside a class is required. `+` keeps the character it repeats (one is required)
 * and ends the run; classes, `.`, anchors and escapes other than escaped punctuation end it too.
 */
export function requiredLiteral(p: string): string | undefined {
  let best = '';
  let run = '';
  const end = (): void => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '|' || c === '(' || c === ')' || c === '?' || c === '*' || c === '{') return undefined;
    if (c === '\\') {
      const next = p[i + 1] ?? '';
      if (SYNTAX_CHARS.includes(next) || next === '-') {
        run += next;
      } else {
        end();
        // Skip to the escape's last character so its letters are not taken for literals.
        if (next === 'u' && p[i + 2] === '{') i = p.indexOf('}', i) - 1;
        else if (next === 'u') i += 4;
        else if (next === 'x') i += 2;
        else if (next === 'c') i += 1;
        else if (next === 'p' || next === 'P') i = p.indexOf('}', i) - 1;
      }
      i++;
    } else if (c === '[') {
      end();
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') continue; // `[]` or `[^]`
      while (i < p.length && p[i] !== ']') i += p[i] === '\\' ? 2 : 1;
    } else if (c === '+') {
      end();
    } else if (c === '.' || c === '^' || c === '$') {
      end();
    } else {
      run += c;
    }
  }
  end();
  return best.length > 0 ? best : undefined;
}

function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // V8 repeats the pattern ("Invalid regular expression: /…/u: Unterminated group"); keep the cause.
  const cut = text.lastIndexOf(': ');
  return cut >= 0 && text.startsWith('Invalid regular expression') ? text.slice(cut + 2) : text;
}

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Backreferences and lookaround, named for the admin; undefined when there are none. */
function findUnsafeConstruct(p: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const next = p[i + 1];
      if (!inClass && next !== undefined && ((next >= '1' && next <= '9') || next === 'k')) {
        return 'a backreference';
      }
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) return 'a lookahead';
      if (rest === '<=' || rest === '<!') return 'a lookbehind';
    }
  }
  return undefined;
}

// ECMAScript WhiteSpace + LineTerminator, as code point ranges (what `\s` and `trim()` use).
const WHITE_SPACE: readonly [number, number][] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const MAX_CODE_POINT = 0x10ffff;

function complement(ranges: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const hex = (cp: number): string => `\\x{${cp.toString(16)}}`;
const rangeItems = (ranges: readonly [number, number][]): string =>
  ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');

const SPACE_ITEMS = rangeItems(WHITE_SPACE);
const NON_SPACE_ITEMS = rangeItems(complement(WHITE_SPACE));
const ANY_CHAR = `[${hex(0)}-${hex(MAX_CODE_POINT)}]`;
const NO_CHAR = `[^${hex(0)}-${hex(MAX_CODE_POINT)}]`;
const DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
const SYNTAX_CHARS = '^$\\.*+?()[]{}|/';
const PROPERTY_PREFIXES = ['Script=', 'sc=', 'General_Category=', 'gc='];

/**
 * ECMAScript (u flag) → RE2 syntax. Only called on patterns V8 accepted with the u flag and that
 * contain no backreference or lookaround, so it can trust the grammar.
 */
export function translateToRe2(p: string): string {
  let out = '';
  let i = 0;
  let inClass = false;
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      const [text, length] = translateEscape(p, i, inClass);
      out += text;
      i += length;
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        out += ']';
      } else if (c === '[') {
        out += '\\['; // a literal in ECMAScript; RE2 would read `[:` as a POSIX class
      } else {
        out += c;
      }
      i++;
      continue;
    }
    if (c === '[') {
      if (p.startsWith('[]', i)) {
        out += NO_CHAR;
        i += 2;
      } else if (p.startsWith('[^]', i)) {
        out += ANY_CHAR;
        i += 3;
      } else {
        inClass = true;
        const negated = p[i + 1] === '^';
        out += negated ? '[^' : '[';
        i += negated ? 2 : 1;
      }
      continue;
    }
    if (c === '.') {
      out += DOT;
      i++;
      continue;
    }
    if (c === '(') {
      if (p.startsWith('(?:', i)) {
        out += '(?:';
        i += 3;
      } else if (p.startsWith('(?<', i)) {
        out += '(?:';
        i = p.indexOf('>', i) + 1;
      } else {
        out += '(?:';
        i++;
      }
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Translates the escape at p[i] === '\\'; returns the RE2 text and the number of chars consumed. */
function translateEscape(p: string, i: number, inClass: boolean): [string, number] {
  const c = p[i + 1];
  switch (c) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 't':
    case 'n':
    case 'r':
    case 'f':
    case 'v':
      return [`\\${c}`, 2];
    case 'b':
    case 'B':
      return [inClass ? (c === 'b' ? hex(8) : '\\B') : `\\${c}`, 2];
    case 's':
      return [inClass ? SPACE_ITEMS : `[${SPACE_ITEMS}]`, 2];
    case 'S':
      return [inClass ? NON_SPACE_ITEMS : `[${NON_SPACE_ITEMS}]`, 2];
    case '0':
      return [hex(0), 2];
    case '-':
      return ['\\-', 2];
    case 'c':
      return [hex(p.charCodeAt(i + 2) % 32), 3];
    case 'x':
      return [hex(parseInt(p.slice(i + 2, i + 4), 16)), 4];
    case 'u':
      return translateUnicodeEscape(p, i);
    case 'p':
    case 'P': {
      const end = p.indexOf('}', i);
      let name = p.slice(i + 3, end);
      const prefix = PROPERTY_PREFIXES.find((x) => name.startsWith(x));
      if (prefix !== undefined) name = name.slice(prefix.length);
      return [`\\${c}{${name}}`, end + 1 - i];
    }
    default:
      if (c !== undefined && SYNTAX_CHARS.includes(c)) return [`\\${c}`, 2];
      // Unreachable for u-mode patterns (identity escapes are limited to syntax characters).
      return [c ?? '', 2];
  }
}

function translateUnicodeEscape(p: string, i: number): [string, number] {
  if (p[i + 2] === '{') {
    const end = p.indexOf('}', i);
    return [hex(parseInt(p.slice(i + 3, end), 16)), end + 1 - i];
  }
  const first = parseInt(p.slice(i + 2, i + 6), 16);
  // `\uD83D\uDE00` is one code point in u mode.
  if (first >= 0xd800 && first <= 0xdbff && p.startsWith('\\u', i + 6) && /^[0-9a-fA-F]{4}$/.test(p.slice(i + 8, i + 12))) {
    const second = parseInt(p.slice(i + 8, i + 12), 16);
    if (second >= 0xdc00 && second <= 0xdfff) {
      return [hex((first - 0xd800) * 0x400 + (second - 0xdc00) + 0x10000), 12];
    }
  }
  return [hex(first), 6];
}
