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
 * A value from the database or a file, safe to print: control characters (ANSI escapes, carriage
 * returns, newlines) become visible `\u001b`-style escapes, so a name cannot rewrite the terminal.
 */
export function printable(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
