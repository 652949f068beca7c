import { Readable, Writable } from 'node:stream';
import { copyLinesInto, escapeCopyField, forEachCopyLine, unescapeCopyField } from './copy-text';

describe('COPY text format', () => {
  it('splits lines across arbitrary chunk borders, multibyte characters included', async () => {
    const text = '1\t\\N\t{"a": "é\\\\n"}\n2\tx\t{}\n';
    const bytes = Buffer.from(text);
    const chunks = [...bytes].map((b) => Buffer.from([b])); // one byte at a time
    const lines: string[] = [];
    await forEachCopyLine(Readable.from(chunks), (l) => lines.push(l));
    expect(lines).toEqual(['1\t\\N\t{"a": "é\\\\n"}', '2\tx\t{}']);
    expect(JSON.parse(unescapeCopyField(lines[0].split('\t')[2]))).toEqual({ a: 'é\n' }); // JSON's \n, escaped once more by COPY
  });

  it('round-trips escaped fields', () => {
    for (const s of ['plain', 'tab\there', 'back\\slash', 'new\nline\r']) expect(unescapeCopyField(escapeCopyField(s))).toBe(s);
  });

  it('writes every line once, in order', async () => {
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
    await copyLinesInto(sink, 10_000, (i) => `${i}\n`);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(10_000);
    expect(lines[9_999]).toBe('9999');
  });
});
