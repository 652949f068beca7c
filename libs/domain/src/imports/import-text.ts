/**
 * Why a string cannot be stored as it is, if it cannot: Postgres text and jsonb refuse the NUL
 * character, and jsonb refuses a UTF-16 surrogate without its pair (JSON can spell one, `"\ud800"`,
 * but it is not a Unicode character). Checked per field so a bad row is reported, not a 500.
 */
/** With the u flag a surrogate pair is one code point, so only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

export function unstorableTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate (not valid Unicode), which cannot be stored';
  return undefined;
}
