import { RawImportRow } from './import-row';

/** Longest line an import reads; a longer one is rejected (and skipped) instead of filling memory. */
export const MAX_IMPORT_LINE_LENGTH = 1024 * 1024;

export interface TextLine {
  /** 1-based. */
  line: number;
  text: string;
  /** Set when the line was longer than allowed; `text` then holds only its beginning. */
  truncated?: boolean;
}

/**
 * Splits a byte stream into lines (LF or CRLF), decoding UTF-8 across chunk boundaries. Written
 * here rather than using node:readline because readline buffers a line of any length: one
 * newline-free upload could exhaust memory. Blank lines are skipped but still counted.
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string>,
  maxLineLength = MAX_IMPORT_LINE_LENGTH,
): AsyncGenerator<TextLine> {
  const decoder = new TextDecoder('utf-8');
  let line = 1;
  let current = '';
  let truncated = false;
  const finish = (): TextLine | undefined => {
    const text = current.endsWith('\r') ? current.slice(0, -1) : current;
    const out = text.trim() === '' && !truncated ? undefined : { line, text, ...(truncated ? { truncated } : {}) };
    current = '';
    truncated = false;
    line += 1;
    return out;
  };
  const feed = function* (text: string): Generator<TextLine> {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      append(text.slice(start, nl));
      const out = finish();
      if (out) yield out;
      start = nl + 1;
    }
    append(text.slice(start));
  };
  const append = (part: string) => {
    if (truncated) return;
    if (current.length + part.length > maxLineLength) {
      current += part.slice(0, maxLineLength - current.length);
      truncated = true;
    } else {
      current += part;
    }
  };
  for await (const chunk of chunks) {
    yield* feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  yield* feed(decoder.decode());
  if (current !== '' || truncated) {
    const out = finish();
    if (out) yield out;
  }
}

/** One JSON Lines row: its parsed value, or why it could not be read. */
export function parseJsonLine({ line, text, truncated }: TextLine): RawImportRow {
  if (truncated) return { line, problem: { field: '(row)', message: `line is longer than ${MAX_IMPORT_LINE_LENGTH} characters` } };
  try {
    return { line, value: JSON.parse(text) };
  } catch (e) {
    return { line, problem: { field: '(row)', message: `malformed JSON: ${(e as Error).message}` } };
  }
}
