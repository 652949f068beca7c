import 'reflect-metadata';
import { Type } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { DomainError } from '@corridor/domain';
import { CliFailure, printable } from './cli-output';
import { ApiError } from './config-as-code/api-client';
import { JourneyCliModule, OperationsCliModule, PersonasCliModule, StrategyCliModule, WholeConfigCliModule } from './config-as-code/config-cli.module';
import { ImportCliModule } from './import/import-cli.module';
import { KeysCliModule } from './keys/keys-cli.module';
import { MigrationsCliModule } from './migrations/migrations-cli.module';
import { SecretsCliModule } from './secrets/secrets-cli.module';

/**
 * Each command group boots only the modules it needs: `migrate` must run before the database
 * exists (no PersistenceModule), and `keys` should not need Redis. nest-commander builds the whole
 * module before dispatching, so the group is chosen here from the first argument.
 */
const COMMANDS: ReadonlyArray<{ name: string; module: Type; usage: string }> = [
  { name: 'migrate', module: MigrationsCliModule, usage: 'migrate                          create the database if missing, apply migrations' },
  { name: 'migration:check', module: MigrationsCliModule, usage: 'migration:check                  fail if entities and migrations drift apart' },
  { name: 'keys', module: KeysCliModule, usage: 'keys create --role <role> [--name <name>] [--expires-in 90d] | keys list | keys revoke <id>' },
  { name: 'secrets', module: SecretsCliModule, usage: 'secrets reencrypt                re-seal every stored secret with the current SECRETS_KEY' },
  { name: 'import', module: ImportCliModule, usage: 'import <file> [--format jsonl|csv] [--unknown reject|ignore] [--mode merge|replace] [--atomic]' },
  // Through the API (CORRIDOR_API_URL, CORRIDOR_API_KEY): the same validation, previews and publishing as the console.
  { name: 'config', module: WholeConfigCliModule, usage: 'config export [--out <file>] | config diff <paths...> | config apply <paths...> [--dry-run]   every kind, one transaction' },
  { name: 'personas', module: PersonasCliModule, usage: 'personas export [--out <file>] | personas diff <file> | personas apply <file> [--dry-run]' },
  { name: 'journey', module: JourneyCliModule, usage: 'journey export [--out <file>] | journey diff <file> | journey apply <file> [--dry-run]' },
  { name: 'strategy', module: StrategyCliModule, usage: 'strategy export [--out <file>] | strategy diff <file> | strategy apply <file> [--dry-run]' },
  { name: 'customers', module: OperationsCliModule, usage: 'customers explain <ref>              persona and why, and what each touchpoint does' },
  { name: 'sync', module: OperationsCliModule, usage: 'sync run <connection> [--mode full|incremental] [--no-wait]' },
];

function usage(): string {
  return ['Usage: corridor <command> (npm run corridor -- <command>)', '', ...COMMANDS.map((c) => `  ${c.usage}`), '', 'corridor <command> --help for details'].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const name = argv[2];
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const asked = name === undefined || name === '--help' || name === '-h' || name === 'help';
    (asked ? console.log : console.error)(asked ? usage() : `Unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    process.exit(asked ? 0 : 1);
  }
  argv[1] = 'corridor'; // commander names the program (in --help) after the script
  await CommandFactory.run(command.module, {
    cliName: 'corridor',
    logger: ['error', 'warn'],
    // nest-commander would print the error and exit 0; rethrow so the catch below exits 1.
    serviceErrorHandler: (e) => {
      throw e;
    },
  });
}

main(process.argv)
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((e: unknown) => {
    if (e instanceof CliFailure) console.error(e.message);
    else if (e instanceof DomainError) console.error(`${e.code}: ${e.message}`);
    else if (e instanceof ApiError) console.error(printable(`${e.code}: ${e.message}`) + e.details.map((d) => `\n  ${printable(d.field)}: ${printable(d.message)}`).join(''));
    else console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  });
