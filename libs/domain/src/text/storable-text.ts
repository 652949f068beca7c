/**
 * Text Corridor can store: Postgres refuses NUL (U+0000) in text and jsonb, and a UTF-16 surrogate
 * without its pair (JSON's `"\ud800"`) has no UTF-8 form, so jsonb refuses it and text columns would
 * silently turn it into U+FFFD. Everything that takes text from outside checks it with this.
 */
export type TextProblemCode = 'NUL_CHARACTER' | 'LONE_SURROGATE';

export interface TextProblem {
  code: TextProblemCode;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored, or undefined when it can. */
export function textProblemOf(text: string): TextProblem | undefined {
  if (text.includes('\u0000')) return { code: 'NUL_CHARACTER', message: 'contains a NUL character (\\u0000), which cannot be stored' };
  if (LONE_SURROGATE.test(text)) {
    return { code: 'LONE_SURROGATE', message: 'contains a lone UTF-16 surrogate (\\ud800–\\udfff without its pair), which is not valid Unicode' };
  }
  return undefined;
}
