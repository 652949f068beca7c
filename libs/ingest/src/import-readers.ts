import { pipeline, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import {
  csvHeaderProblems,
  csvRecordToRow,
  MAX_IMPORT_LINE_LENGTH,
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
 * number of cells, unclosed quote, too long) becomes a rejected row with its line; reading goes
 * on. A bad header stops the import before anything is written. Line numbers are those where a
 * record ends (the same as where it starts unless a quoted cell spans lines).
 */
export async function* readCsv(input: ImportSource): AsyncGenerator<RawImportRow> {
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_IMPORT_LINE_LENGTH,
  });
  // csv-parse reports skipped records through events, ahead of the records it has buffered:
  // queue them and hand them out in line order between the records.
  const skipped: RawImportRow[] = [];
  parser.on('skip', (err: CsvError & { lines?: number }) => {
    skipped.push({ line: err.lines ?? 0, problem: { field: '(row)', message: `unreadable CSV record: ${err.message}` } });
  });
  const source = input instanceof Readable ? input : Readable.from(input);
  pipeline(source, parser, () => undefined); // errors reach the loop below through the parser

  let header: string[] | undefined;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length && skipped[0].line < info.lines) yield skipped.shift()!;
    if (!header) {
      header = record.map((name) => name.trim());
      const problems = csvHeaderProblems(header);
      if (problems.length) throw new ValidationError('The CSV header is not usable', problems, 'CSV_HEADER_INVALID');
      continue;
    }
    yield csvRecordToRow(info.lines, header, record);
  }
  yield* skipped;
}
