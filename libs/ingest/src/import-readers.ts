import { pipeline, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import {
  csvHeaderProblems,
  csvRecordToRow,
  CsvGuardLimits,
  CsvRecordGuard,
  MAX_CSV_RECORD_LENGTH,
  parseJsonLine,
  RawImportRow,
  splitLines,
  ValidationError,
} from '@corridor/domain';

export type ImportFormat = 'jsonl' | 'csv';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['jsonl', 'csv'];

export type ImportSource = AsyncIterable<Uint8Array | string>;

/** JSON Lines: one JSON object per line; blank lines are skipped. */
export async function* readJsonLines(input: ImportSource): AsyncGenerator<RawImportRow> {
  for await (const line of splitLines(input)) yield parseJsonLine(line);
}

/**
 * CSV with a header row (RFC 4180 via csv-parse, streamed). A record csv-parse cannot read (wrong
 * number of cells, unclosed quote) or that is too long (CsvRecordGuard: MAX_CSV_RECORD_LENGTH)
 * becomes one rejected row with its line; reading goes on. A bad or too long header
 * (MAX_CSV_HEADER_LENGTH) stops the import before anything is written. Line numbers are those where
 * a record ends (the same as where it starts unless a quoted cell spans lines); a record refused
 * for its length is reported at the line where it starts.
 */
export async function* readCsv(input: ImportSource, limits?: CsvGuardLimits): AsyncGenerator<RawImportRow> {
  const guard = new CsvRecordGuard(limits);
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // The guard bounds records first; this only backs it up (csv-parse loses sync after it trips).
    max_record_size: 2 * MAX_CSV_RECORD_LENGTH,
  });
  const rowAt = (parserLine: number, problem: { field: string; message: string }): RawImportRow => {
    const note = guard.takeNote(parserLine);
    return note ? { line: note.line, problem: { field: '(row)', message: note.message } } : { line: guard.fileLine(parserLine), problem };
  };
  // csv-parse reports skipped records through events, ahead of the records it has buffered:
  // queue them and hand them out in line order between the records.
  const skipped: Array<{ parserLine: number; row: RawImportRow }> = [];
  parser.on('skip', (err: CsvError & { lines?: number }) => {
    const parserLine = err.lines ?? 0;
    skipped.push({ parserLine, row: rowAt(parserLine, { field: '(row)', message: `unreadable CSV record: ${err.message}` }) });
  });
  const source = Readable.from(guard.guard(input));
  pipeline(source, parser, () => undefined); // errors reach the loop below through the parser

  let header: string[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length && skipped[0].parserLine < info.lines) yield skipped.shift()!.row;
    if (!header) {
      header = record.map((name) => name.trim());
      const problems = csvHeaderProblems(header);
      if (problems.length) throw new ValidationError('The CSV header is not usable', problems, 'CSV_HEADER_INVALID');
      continue;
    }
    const note = guard.takeNote(info.lines);
    if (note) yield { line: note.line, problem: { field: '(row)', message: note.message } };
    else yield csvRecordToRow(guard.fileLine(info.lines), header, record);
  }
  for (const { row } of skipped) yield row;
}
