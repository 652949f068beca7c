import { Injectable } from '@nestjs/common';

/** Where commands print for people (stdout). A class, so tests can read what a command printed. */
@Injectable()
export class CliOutput {
  line(text = ''): void {
    process.stdout.write(`${text}\n`);
  }
}

/** A failure to report in one line and exit non-zero with (no stack: it is not a bug). */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliFailure';
  }
}

/**
 * Text from the database (a key's name, a file's label) made safe to print: control characters
 * (C0, DEL, C1 — ESC sequences could recolour, retitle or rewrite the terminal) and Unicode
 * bidirectional overrides (which reorder what is shown) become visible `\xNN` / `\u{NNNN}` escapes.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** `terminalSafe` for any value (numbers, keys read from a file). */
export function printable(value: unknown): string {
  return terminalSafe(String(value));
}
