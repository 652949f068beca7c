import { Command, CommandRunner } from 'nest-commander';
import { AppConfig } from '@corridor/config';
import { dropDatabase, ensureDatabase, runMigrations, schemaDrift, scratchDatabaseUrl } from '@corridor/persistence';
import { CliFailure, CliOutput } from '../cli-output';

/**
 * `corridor migration:check` (CI): migrates a fresh scratch database on the DATABASE_URL server,
 * then compares it with the entities; exits non-zero, printing the missing SQL, when they differ.
 * A scratch database so that the check is the same everywhere, whatever state a dev DB is in.
 */
@Command({ name: 'migration:check', description: 'Fail when the entities and the migrations disagree (uses a scratch database)' })
export class MigrationCheckCommand extends CommandRunner {
  constructor(
    private readonly config: AppConfig,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(): Promise<void> {
    const scratch = scratchDatabaseUrl(this.config.DATABASE_URL, 'drift');
    await ensureDatabase(scratch);
    let drift: string[];
    try {
      const applied = await runMigrations(scratch);
      this.out.line(`Applied ${applied.length} migration(s) to a scratch database`);
      drift = await schemaDrift(scratch);
    } finally {
      await dropDatabase(scratch);
    }
    if (drift.length) {
      this.out.line('The entities need schema changes no migration makes:');
      for (const sql of drift) this.out.line(`  ${sql};`);
      throw new CliFailure('Schema drift: generate a migration (npm run migration:generate -- libs/persistence/src/migrations/<Name>) and review it');
    }
    this.out.line('No drift: migrations match the entities');
  }
}
