import { ValidationError } from '../errors/domain-error';
import { CsvRecordGuard } from './csv-record-guard';

async function* chunks(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
async function run(text: string, size = 7, limits = { maxRecordLength: 20, maxHeaderLength: 12 }) {
  const guard = new CsvRecordGuard(limits);
  let out = '';
  for await (const part of guard.guard(chunks(text, size))) out += part;
  return { guard, out };
}

describe('CsvRecordGuard', () => {
  it('passes records within the limits through unchanged, quoted line feeds and "" included', async () => {
    const csv = 'id,city\r\na,"x, ""y""\nz"\nb,Oslo';
    for (const size of [1, 3, 100]) expect((await run(csv, size)).out).toBe(csv);
  });

  it('replaces a record over the limit by one marker line, noted at the line it starts, and maps later lines back', async () => {
    const { guard, out } = await run('id,city\na,x\nb,"' + 'long\n'.repeat(10) + '"\nc,z\n');
    expect(out).toBe('id,city\na,x\n""\nc,z\n');
    expect(guard.takeNote(3)).toEqual({ line: 3, message: expect.stringContaining('longer than 20 characters') });
    expect(guard.takeNote(3)).toBeUndefined();
    expect(guard.fileLine(2)).toBe(2);
    expect(guard.fileLine(4)).toBe(14); // c,z is line 14 of the file
  });

  it('refuses a record with a character after a closing quote (csv-parse would lose the rest of its chunk)', async () => {
    const { guard, out } = await run('id,city\na,"x"y\nb,z\n');
    expect(out).toBe('id,city\n""\nb,z\n');
    expect(guard.takeNote(2)?.message).toContain('after a closing quote');
  });

  it('refuses a header over its limit, and a malformed one, with a ValidationError', async () => {
    await expect(run('id,' + 'h'.repeat(20) + '\na,b\n')).rejects.toMatchObject({ code: 'CSV_HEADER_INVALID', details: [{ code: 'CSV_HEADER_TOO_LONG' }] });
    await expect(run('"id"x,b\na,b\n')).rejects.toBeInstanceOf(ValidationError);
  });

  it('replaces an over-long last record without a line feed, and a quote left open to the end', async () => {
    expect((await run('id\na\n' + 'b'.repeat(30))).out).toBe('id\na\n""\n');
    expect((await run('id\na\n"b\n' + 'c\n'.repeat(20))).out).toBe('id\na\n""\n');
  });
});
