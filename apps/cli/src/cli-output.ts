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
