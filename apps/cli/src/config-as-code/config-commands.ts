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

/** What a command group exports and applies: one kind, or the whole configuration. */
interface Group {
  name: string;
  /** `personas`, or `personas, journey and strategy together`: for descriptions. */
  what: string;
  /** The apply and diff commands' positional arguments. */
  args: string;
  export(service: ConfigAsCodeService, options: ExportOptions): Promise<void>;
  apply(service: ConfigAsCodeService, args: string[], options: ApplyOptions): Promise<void>;
}

/** `corridor <group> export|apply|diff`: one parent command and three subcommands per group. */
function commandsFor(group: Group): Type[] {
  @SubCommand({ name: 'export', description: `Write the live ${group.what} as YAML (or JSON) to stdout or --out` })
  class ExportCommand extends CommandRunner {
    constructor(private readonly config: ConfigAsCodeService) {
      super();
    }
    run(_args: string[], options: ExportOptions): Promise<void> {
      return group.export(this.config, options);
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
    arguments: group.args,
    description: `Validate the ${group.what}, show the diff and the preview, then write and publish it in one transaction (refused if what is live moved since the file's base or the diff)`,
  })
  class ApplyCommand extends CommandRunner {
    constructor(private readonly config: ConfigAsCodeService) {
      super();
    }
    run(args: string[], options: ApplyOptions): Promise<void> {
      return group.apply(this.config, args, options);
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

  @SubCommand({ name: 'diff', arguments: group.args, description: `Validate the ${group.what} and show the diff against what is live, with the preview; writes nothing` })
  class DiffCommand extends CommandRunner {
    constructor(private readonly config: ConfigAsCodeService) {
      super();
    }
    run(args: string[], options: ApplyOptions): Promise<void> {
      return group.apply(this.config, args, { ...options, dryRun: true });
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

  @Command({ name: group.name, description: `Configuration as code for ${group.what}: export, diff, apply`, subCommands: [ExportCommand, ApplyCommand, DiffCommand] })
  class KindCommand extends CommandRunner {
    async run(): Promise<void> {
      this.command.help();
    }
  }
  return [KindCommand, ExportCommand, ApplyCommand, DiffCommand];
}

function kindGroup(kind: ConfigKind<unknown>): Group {
  return {
    name: kind.kind,
    what: kind.kind,
    args: '<file>',
    export: (service, options) => service.export(kind, options),
    apply: (service, [file], options) => service.apply(kind, file, options),
  };
}

// Each group's subcommands are named export/apply/diff: nest-commander finds subcommands by name
// among all it was given, so each group gets a module of its own (main.ts picks it by the first argument).
export const PERSONAS_COMMANDS = commandsFor(kindGroup(personasKind as ConfigKind<unknown>));
export const JOURNEY_COMMANDS = commandsFor(kindGroup(journeyKind as ConfigKind<unknown>));
export const STRATEGY_COMMANDS = commandsFor(kindGroup(strategyKind as ConfigKind<unknown>));
/** `corridor config export|diff|apply`: every kind in one file (or several files, or a directory), applied in one transaction. */
export const CONFIG_COMMANDS = commandsFor({
  name: 'config',
  what: 'personas, journey and strategy together',
  args: '<paths...>',
  export: (service, options) => service.exportConfig(options),
  apply: (service, paths, options) => service.applyConfig(paths, options),
});
