import { Type } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { CliFailure } from '../cli-output';
import { ConfigFormat } from './config-file';
import { ConfigKind } from './config-kind';
import { ApplyOptions, ConfigAsCodeService, ExportOptions } from './config-as-code.service';
import { journeyKind } from './journey.kind';
import { personasKind } from './personas.kind';
import { strategyKind } from './strategy.kind';

function parseWait(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3600) throw new CliFailure(`--wait must be whole seconds from 0 to 3600 (got ${JSON.stringify(value)})`);
  return n;
}

/** `corridor <kind> export|apply|diff`: one parent command and three subcommands per kind. */
function commandsFor(kind: ConfigKind<unknown>): Type[] {
  @SubCommand({ name: 'export', description: `Write the live ${kind.kind} as YAML (or JSON) to stdout or --out` })
  class ExportCommand extends CommandRunner {
    constructor(private readonly config: ConfigAsCodeService) {
      super();
    }
    run(_args: string[], options: ExportOptions): Promise<void> {
      return this.config.export(kind, options);
    }
    @Option({ flags: '--out <file>', description: 'write to this file (.json: JSON, otherwise YAML)' })
    parseOut(value: string): string {
      return value;
    }
    @Option({ flags: '--format <format>', description: 'yaml (default) or json' })
    parseFormat(value: string): ConfigFormat {
      if (value !== 'yaml' && value !== 'json') throw new CliFailure(`--format must be yaml or json (got ${JSON.stringify(value)})`);
      return value;
    }
  }

  @SubCommand({
    name: 'apply',
    arguments: '<file>',
    description: `Validate a ${kind.kind} file, show the diff and the preview, then write and publish it (refused if what is live moved since the file's base or the diff)`,
  })
  class ApplyCommand extends CommandRunner {
    constructor(private readonly config: ConfigAsCodeService) {
      super();
    }
    run([file]: string[], options: ApplyOptions): Promise<void> {
      return this.config.apply(kind, file, options);
    }
    @Option({ flags: '--dry-run', description: 'validate, diff and preview; write nothing' })
    parseDryRun(): boolean {
      return true;
    }
    @Option({ flags: '--no-preview', description: 'skip the preview over customers' })
    parseNoPreview(): boolean {
      return false;
    }
    @Option({ flags: '--wait <seconds>', description: 'how long to wait for previews and re-segmentation (default 60 for previews, 300 for publishing)' })
    parseWait(value: string): number {
      return parseWait(value);
    }
    @Option({ flags: '--json', description: 'end with one JSON line: what changed and what was published' })
    parseJson(): boolean {
      return true;
    }
    @Option({ flags: '--ignore-base', description: "apply although what is live moved since the file's base (overwrites that change)" })
    parseIgnoreBase(): boolean {
      return true;
    }
  }

  @SubCommand({ name: 'diff', arguments: '<file>', description: `Validate a ${kind.kind} file and show the diff against what is live, with the preview; writes nothing` })
  class DiffCommand extends CommandRunner {
    constructor(private readonly config: ConfigAsCodeService) {
      super();
    }
    run([file]: string[], options: ApplyOptions): Promise<void> {
      return this.config.apply(kind, file, { ...options, dryRun: true });
    }
    @Option({ flags: '--dry-run', description: 'accepted for symmetry: diff never writes' })
    parseDryRun(): boolean {
      return true;
    }
    @Option({ flags: '--no-preview', description: 'skip the preview over customers' })
    parseNoPreview(): boolean {
      return false;
    }
    @Option({ flags: '--wait <seconds>', description: 'how long to wait for the preview (default 60)' })
    parseWait(value: string): number {
      return parseWait(value);
    }
    @Option({ flags: '--json', description: 'end with one JSON line' })
    parseJson(): boolean {
      return true;
    }
    @Option({ flags: '--ignore-base', description: "diff although what is live moved since the file's base" })
    parseIgnoreBase(): boolean {
      return true;
    }
  }

  @Command({ name: kind.kind, description: `Configuration as code for ${kind.kind}: export, diff, apply`, subCommands: [ExportCommand, ApplyCommand, DiffCommand] })
  class KindCommand extends CommandRunner {
    async run(): Promise<void> {
      this.command.help();
    }
  }
  return [KindCommand, ExportCommand, ApplyCommand, DiffCommand];
}

// Each kind's subcommands are named export/apply/diff: nest-commander finds subcommands by name
// among all it was given, so each kind gets a module of its own (main.ts picks it by the first argument).
export const PERSONAS_COMMANDS = commandsFor(personasKind as ConfigKind<unknown>);
export const JOURNEY_COMMANDS = commandsFor(journeyKind as ConfigKind<unknown>);
export const STRATEGY_COMMANDS = commandsFor(strategyKind as ConfigKind<unknown>);
