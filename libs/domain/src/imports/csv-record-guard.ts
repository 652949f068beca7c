import { ValidationError } from '../errors/domain-error';
import { MAX_IMPORT_LINE_LENGTH } from './json-lines';

/** Longest CSV record (row) an import reads, in characters; a longer one is one rejected row. */
export const MAX_CSV_RECORD_LENGTH = MAX_IMPORT_LINE_LENGTH;
/** Longest CSV header; a longer one refuses the file (400) before anything is stored. */
export const MAX_CSV_HEADER_LENGTH = 64 * 1024;

export interface CsvGuardLimits {
  maxRecordLength: number;
  maxHeaderLength: number;
}

interface GuardNote {
  line: number;
  message: string;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;
/** What a refused record becomes for the CSV parser: one empty quoted cell on one line. */
const MARKER = '""\n';

/**
 * Sits in front of the CSV parser and bounds what it must hold. It follows record boundaries the
 * way RFC 4180 (and csv-parse's defaults) draw them: a quote opening a cell quotes it, `""` inside
 * is a quote, a line feed outside quotes ends the record. A record longer than the limit, or with a
 * character after a closing quote, is replaced by a one-line marker and noted, so the reader
 * reports exactly one rejected row for it and goes on with the next record. (csv-parse's own
 * `max_record_size` with `skip_records_with_error` drops the rest of the chunk after the error: a
 * 5 MB cell came out as dozens of rejected rows and swallowed the rows after it.) A header longer
 * than its limit stops the import with a ValidationError.
 *
 * Replacing a multi-line record by a one-line marker shifts the parser's line numbers:
 * `fileLine()` maps them back.
 */
export class CsvRecordGuard {
  private readonly notes = new Map<number, GuardNote>();
  /** From parser line `from` on, the file's line is `from + shift`; ascending. */
  private readonly shifts: Array<{ from: number; shift: number }> = [];

  constructor(private readonly limits: CsvGuardLimits = { maxRecordLength: MAX_CSV_RECORD_LENGTH, maxHeaderLength: MAX_CSV_HEADER_LENGTH }) {}

  /** The file's line for a line number as the parser counted it (after the guard). */
  fileLine(parserLine: number): number {
    for (let i = this.shifts.length - 1; i >= 0; i--) {
      if (this.shifts[i].from <= parserLine) return parserLine + this.shifts[i].shift;
    }
    return parserLine;
  }

  /** Why the record the parser saw at this line was replaced, if it was (asked once). */
  takeNote(parserLine: number): GuardNote | undefined {
    const note = this.notes.get(parserLine);
    this.notes.delete(parserLine);
    return note;
  }

  async *guard(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
    const { maxRecordLength, maxHeaderLength } = this.limits;
    const decoder = new TextDecoder('utf-8');
    let fileLine = 1; // line of the file being read
    let parserLine = 1; // line of the output being written
    let shift = 0;
    let headerSeen = false;
    let first = true;
    // The record being read
    let startLine = 1;
    let length = 0;
    let newlines = 0;
    let blank = true;
    let inQuotes = false;
    let pendingQuote = false;
    let afterClosingQuote = false;
    let fieldStart = true;
    let oversized = false;
    let malformed: string | undefined;
    let carry = ''; // the record's text from earlier chunks (empty once it is oversized)

    const limit = () => (headerSeen ? maxRecordLength : maxHeaderLength);
    const tooLongHeader = () =>
      new ValidationError(
        `The CSV header is longer than ${maxHeaderLength} characters`,
        [{ field: 'header', message: `the header row is longer than ${maxHeaderLength} characters`, code: 'CSV_HEADER_TOO_LONG' }],
        'CSV_HEADER_INVALID',
      );
    /** Ends the record; returns what to hand the parser for it. */
    const endRecord = (text: string): string => {
      let out: string;
      if (!headerSeen && blank && !oversized) {
        out = text; // a blank line before the header: the parser skips it
      } else if (oversized || malformed) {
        if (!headerSeen && oversized) throw tooLongHeader();
        if (!headerSeen) {
          throw new ValidationError('The CSV header is not usable', [{ field: 'header', message: `the header row cannot be read: ${malformed}`, code: 'CSV_HEADER_MALFORMED' }], 'CSV_HEADER_INVALID');
        }
        const what = oversized ? `is longer than ${maxRecordLength} characters` : `cannot be read: ${malformed}`;
        this.notes.set(parserLine, { line: startLine, message: `the CSV record starting at line ${startLine} ${what}` });
        out = MARKER;
        if (newlines > 0) {
          shift += newlines;
          this.shifts.push({ from: parserLine + 1, shift });
        }
        parserLine += 1;
        headerSeen = true;
      } else {
        out = text;
        parserLine += newlines + 1;
        headerSeen = true;
      }
      fileLine += 1;
      startLine = fileLine;
      length = 0;
      newlines = 0;
      blank = true;
      inQuotes = false;
      pendingQuote = false;
      afterClosingQuote = false;
      fieldStart = true;
      oversized = false;
      malformed = undefined;
      carry = '';
      return out;
    };

    const scan = (text: string): string => {
      let out = '';
      let start = 0; // where the current record's text begins in `text`
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (first) {
          first = false;
          if (c === BOM) continue;
        }
        length += 1;
        if (pendingQuote) {
          pendingQuote = false;
          if (c === QUOTE) continue; // "" inside quotes: a quote
          inQuotes = false;
          afterClosingQuote = true;
        }
        if (inQuotes) {
          if (c === QUOTE) pendingQuote = true;
          else if (c === LF) {
            newlines += 1;
            fileLine += 1;
          }
        } else if (c === LF) {
          out += endRecord(oversized ? '' : carry + text.slice(start, i + 1));
          start = i + 1;
          continue;
        } else if (c === COMMA) {
          fieldStart = true;
          afterClosingQuote = false;
        } else if (c === QUOTE && fieldStart) {
          inQuotes = true;
          fieldStart = false;
        } else if (c !== CR) {
          if (afterClosingQuote) malformed ??= `a character after a closing quote (quote a quote as "")`;
          fieldStart = false;
        }
        if (c !== CR && c !== LF) blank = false;
        if (!oversized && length > limit()) {
          if (!headerSeen && !blank) throw tooLongHeader();
          oversized = true;
          carry = '';
        }
      }
      if (!oversized) carry += text.slice(start);
      return out;
    };

    for await (const chunk of chunks) {
      const out = scan(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      if (out) yield out;
    }
    let out = scan(decoder.decode());
    if (length > 0) {
      // The last record has no line feed: a quote left open is the parser's to report.
      const rest = oversized || malformed ? endRecord('') : carry;
      out += rest;
    }
    if (out) yield out;
  }
}
