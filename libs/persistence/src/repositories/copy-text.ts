import { StringDecoder } from 'node:string_decoder';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Postgres COPY text format, for the bulk paths (re-segmentation reads a million customers and
 * writes a million assignments): far cheaper than row-by-row queries or ORM saves.
 */

/** Feeds each line of a COPY ... TO STDOUT stream to `onLine`, without holding the whole output. */
export async function forEachCopyLine(source: Readable, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const buf of source) {
    const text = rest + decoder.write(buf as Buffer);
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      onLine(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) onLine(rest);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v' };

/** Undoes COPY's text escaping of one field (COPY TO writes only these backslash escapes). */
export function unescapeCopyField(field: string): string {
  if (field.indexOf('\\') === -1) return field;
  return field.replace(/\\(.)/g, (_, c: string) => (Object.hasOwn(ESCAPES, c) ? ESCAPES[c] : c));
}

/** Escapes one field for COPY ... FROM STDIN text format. */
export function escapeCopyField(value: string): string {
  return /[\\\n\r\t]/.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!) : value;
}

/** Streams lines into a COPY ... FROM STDIN sink, batched into large writes. */
export async function copyLinesInto(sink: Writable, count: number, lineAt: (i: number) => string): Promise<void> {
  function* batches(): Generator<string> {
    const size = 4096;
    for (let i = 0; i < count; i += size) {
      let s = '';
      const end = Math.min(count, i + size);
      for (let j = i; j < end; j++) s += lineAt(j);
      yield s;
    }
  }
  await pipeline(Readable.from(batches()), sink);
}
