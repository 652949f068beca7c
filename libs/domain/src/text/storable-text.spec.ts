import { textProblemOf } from './storable-text';

describe('textProblemOf', () => {
  it('accepts any well-formed text, astral characters included', () => {
    for (const ok of ['', 'plain', 'Ωmega', '😀', 'a\u2028b', '\uFFFD', '\uD83D\uDE00x']) expect(textProblemOf(ok)).toBeUndefined();
  });

  it('refuses NUL anywhere', () => {
    for (const bad of ['\u0000', 'a\u0000', '\u0000b', 'x\u0000😀']) expect(textProblemOf(bad)?.code).toBe('NUL_CHARACTER');
  });

  it('refuses a high surrogate without its low half and a low one without its high half', () => {
    for (const bad of ['\uD800', 'a\uDBFF', '\uDC00b', 'x\uDFFF', '\uDE00\uD83D', '😀\uD83D']) expect(textProblemOf(bad)?.code).toBe('LONE_SURROGATE');
  });
});
