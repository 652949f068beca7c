import { parseJsonLine, splitLines, TextLine } from './json-lines';

async function* chunksOf(...parts: Array<string | Uint8Array>) {
  for (const p of parts) yield p;
}
async function lines(source: AsyncIterable<string | Uint8Array>, max?: number): Promise<TextLine[]> {
  const out: TextLine[] = [];
  for await (const l of splitLines(source, max)) out.push(l);
  return out;
}

describe('splitLines', () => {
  it('splits LF and CRLF, numbering lines and skipping blank ones', async () => {
    expect(await lines(chunksOf('a\r\nb\n\n  \nc'))).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 5, text: 'c' },
    ]);
  });

  it('joins lines and multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('{"city":"Zürich"}\n{"x":"€"}\n');
    const parts = [bytes.slice(0, 13), bytes.slice(13, 14), bytes.slice(14, 25), bytes.slice(25)];
    expect(await lines(chunksOf(...parts))).toEqual([
      { line: 1, text: '{"city":"Zürich"}' },
      { line: 2, text: '{"x":"€"}' },
    ]);
  });

  it('cuts an over-long line short and carries on after it', async () => {
    expect(await lines(chunksOf('short\n', 'x'.repeat(8), 'y'.repeat(8), '\nok'), 10)).toEqual([
      { line: 1, text: 'short' },
      { line: 2, text: 'xxxxxxxxyy', truncated: true },
      { line: 3, text: 'ok' },
    ]);
  });
});

describe('parseJsonLine', () => {
  it('parses a line or says why not', () => {
    expect(parseJsonLine({ line: 1, text: '{"id":"a"}' })).toEqual({ line: 1, value: { id: 'a' } });
    expect(parseJsonLine({ line: 2, text: '{"id":' })).toMatchObject({ line: 2, problem: { field: '(row)', message: expect.stringMatching(/^malformed JSON/) } });
    expect(parseJsonLine({ line: 3, text: 'x', truncated: true })).toMatchObject({ problem: { message: expect.stringContaining('longer') } });
  });
});
