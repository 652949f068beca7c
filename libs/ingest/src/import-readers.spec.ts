import { RawImportRow, ValidationError } from '@corridor/domain';
import { readCsv, readJsonLines } from './import-readers';

async function* chunks(...parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}
async function all(rows: AsyncIterable<RawImportRow>): Promise<RawImportRow[]> {
  const out: RawImportRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

describe('readJsonLines', () => {
  it('parses each line, reporting malformed ones by line', async () => {
    expect(await all(readJsonLines(chunks('{"id":"a"}\n{"id":', '"b"}\n\nnope\n')))).toEqual([
      { line: 1, value: { id: 'a' } },
      { line: 2, value: { id: 'b' } },
      { line: 4, problem: { field: '(row)', message: expect.stringMatching(/^malformed JSON/) } },
    ]);
  });
});

describe('readCsv', () => {
  it('maps records by header, keeps quoted commas and newlines, and reports unreadable records in line order', async () => {
    const csv = '\uFEFFid, email ,city\nc1,a@x.io,"Oslo, NO"\nc2,b@x.io\n\nc3,,"Multi\nline"\nc4,d@x.io,"open\n';
    expect(await all(readCsv(chunks(csv.slice(0, 20), csv.slice(20))))).toEqual([
      { line: 2, value: { id: 'c1', email: 'a@x.io', city: 'Oslo, NO' } },
      { line: 3, problem: { field: '(row)', message: expect.stringContaining('Invalid Record Length') } },
      { line: 6, value: { id: 'c3', email: null, city: 'Multi\nline' } },
      { line: 7, problem: { field: '(row)', message: expect.stringContaining('Quote Not Closed') } },
    ]);
  });

  it('refuses a header without an id column before reading any row', async () => {
    await expect(all(readCsv(chunks('email\na@x.io\n')))).rejects.toBeInstanceOf(ValidationError);
    await expect(all(readCsv(chunks('email\na@x.io\n')))).rejects.toMatchObject({ details: [{ field: 'id', code: 'CSV_ID_COLUMN_MISSING' }] });
  });

  it('reads an empty upload as no rows', async () => {
    expect(await all(readCsv(chunks('')))).toEqual([]);
  });
});
