import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { extname } from 'node:path';
import { Command, CommandRunner, Option } from 'nest-commander';
import { IMPORT_MODES, ImportInterruptedError, ImportMode, ImportRowsRejectedError, UnknownAttributePolicy } from '@corridor/domain';
import { CustomerImportService, IMPORT_FORMATS, ImportFormat } from '@corridor/ingest';
import { CliFailure, CliOutput } from '../cli-output';

interface ImportCommandOptions {
  format?: ImportFormat;
  unknown?: UnknownAttributePolicy;
  mode?: ImportMode;
  atomic?: boolean;
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, ImportFormat>> = { '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** Same import as POST /v1/customers/import, from a file on this machine; prints the report (JSON). */
@Command({
  name: 'import',
  arguments: '<file>',
  description: 'Import customers from a JSON Lines or CSV file into the import connection, then print the report',
})
export class ImportCommand extends CommandRunner {
  constructor(
    private readonly imports: CustomerImportService,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run([file]: string[], options: ImportCommandOptions): Promise<void> {
    const format = options.format ?? formatOfExtension(extname(file).toLowerCase());
    if (!format) throw new CliFailure(`Cannot tell the format of ${file} from its name: pass --format jsonl or --format csv`);
    await access(file).catch(() => {
      throw new CliFailure(`Cannot read ${file}`);
    });
    try {
      const report = await this.imports.importCustomers(createReadStream(file), {
        format,
        unknown: options.unknown ?? 'reject',
        mode: options.mode ?? 'merge',
        atomic: options.atomic ?? false,
      });
      this.out.line(JSON.stringify(report, null, 2));
    } catch (e) {
      // Stopped part-way or refused whole: the report says what was stored (and where to resume).
      if (e instanceof ImportInterruptedError || e instanceof ImportRowsRejectedError) this.out.line(JSON.stringify(e.report, null, 2));
      throw e;
    }
  }

  // Not `choices`: nest-commander's own parser replaces commander's choice check.
  @Option({ flags: '--format <format>', description: 'jsonl or csv (default: from the file extension)' })
  parseFormat(value: string): ImportFormat {
    if (!(IMPORT_FORMATS as readonly string[]).includes(value)) throw new CliFailure(`--format must be jsonl or csv (got ${JSON.stringify(value)})`);
    return value as ImportFormat;
  }

  @Option({ flags: '--mode <mode>', description: 'merge (default): a row writes only the attributes it has; replace: a row is the whole set' })
  parseMode(value: string): ImportMode {
    if (!(IMPORT_MODES as readonly string[]).includes(value)) throw new CliFailure(`--mode must be merge or replace (got ${JSON.stringify(value)})`);
    return value as ImportMode;
  }

  @Option({ flags: '--atomic', description: 'all or nothing: one transaction; any rejected row stores nothing' })
  parseAtomic(): boolean {
    return true;
  }

  @Option({ flags: '--unknown <policy>', description: 'unknown attributes: reject the row (default) or ignore the value' })
  parseUnknown(value: string): UnknownAttributePolicy {
    if (value !== 'reject' && value !== 'ignore') throw new CliFailure(`--unknown must be reject or ignore (got ${JSON.stringify(value)})`);
    return value;
  }
}

function formatOfExtension(extension: string): ImportFormat | undefined {
  return Object.hasOwn(FORMAT_BY_EXTENSION, extension) ? FORMAT_BY_EXTENSION[extension] : undefined;
}
