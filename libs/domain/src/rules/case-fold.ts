/**
 * `starts_with` / `ends_with` ignoring case, on the trimmed text as stored: the same answer as
 * lower-casing it first, without building the lower-cased copy. Why: prefixes and suffixes are
 * mostly tested on attributes with a distinct text per customer (emails), which cannot be
 * memoised (see TextMemo), and lower-casing a whole email costs more than comparing the few
 * characters of a prefix or suffix; most values differ at the first character compared. (A
 * search for `contains` character by character measured slower than lower-casing and `includes`.)
 *
 * Why it is exact: `toLowerCase()` is locale-independent and maps each ASCII character on its own
 * (A-Z to a-z, the rest to themselves); only non-ASCII characters can map to several characters
 * (İ → i̇), to ASCII ones (the Kelvin sign K → k) or depend on their neighbours (final Σ). So the
 * part of the lower case that comes from an ASCII prefix or suffix of the text is that prefix or
 * suffix with its letters folded. As soon as the compared part reaches a non-ASCII character,
 * these fall back to `toLowerCase()` itself.
 *
 * `lower` is a rule value: trimmed and lower-cased by the validator.
 */

/** ASCII capitals to lower case; every other code unit unchanged. */
function fold(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/** `text.toLowerCase().startsWith(lower)`. */
export function foldStartsWith(text: string, lower: string): boolean {
  const m = lower.length;
  // An ASCII text's lower case has its length: it cannot start with something longer.
  if (text.length < m) return isAscii(text) ? false : text.toLowerCase().startsWith(lower);
  for (let i = 0; i < m; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) return text.toLowerCase().startsWith(lower);
    if (fold(code) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** `text.toLowerCase().endsWith(lower)`. */
export function foldEndsWith(text: string, lower: string): boolean {
  const n = text.length;
  const m = lower.length;
  if (n < m) return isAscii(text) ? false : text.toLowerCase().endsWith(lower);
  for (let i = 1; i <= m; i++) {
    const code = text.charCodeAt(n - i);
    if (code > 127) return text.toLowerCase().endsWith(lower);
    if (fold(code) !== lower.charCodeAt(m - i)) return false;
  }
  return true;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}
