import { Command, CommandRunner } from 'nest-commander';
import { AppConfig } from '@corridor/config';
import { ensureDatabase, runMigrations } from '@corridor/persistence';
import { CliOutput } from '../cli-output';

/** `corridor migrate` (what `npm run migration:run` calls): works on a fresh server. */
@Command({ name: 'migrate', description: 'Create the database in DATABASE_URL if missing, then apply pending migrations' })
export class MigrateCommand extends CommandRunner {
  constructor(
    private readonly config: AppConfig,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(): Promise<void> {
    const url = this.config.DATABASE_URL;
    const name = new URL(url).pathname.slice(1);
    if (await ensureDatabase(url)) this.out.line(`Created database ${name}`);
    const applied = await runMigrations(url);
    this.out.line(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : `Database ${name} is up to date`);
  }
}
