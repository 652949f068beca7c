import { CommandRunner, SubCommand } from 'nest-commander';
import { SealedSecretsStore } from '@corridor/persistence';
import { CliOutput } from '../cli-output';

/** After rotating SECRETS_KEY (old key moved to SECRETS_KEYS_OLD): re-seal everything, then drop the old key. */
@SubCommand({ name: 'reencrypt', description: 'Re-seal every stored secret with the current SECRETS_KEY (safe to run again)' })
export class SecretsReencryptCommand extends CommandRunner {
  constructor(
    private readonly secrets: SealedSecretsStore,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(): Promise<void> {
    const counts = await this.secrets.reencryptAll();
    for (const c of counts) this.out.line(`${c.table}.${c.column}: ${c.resealed} re-sealed, ${c.total - c.resealed} already current (${c.total} in all)`);
    const resealed = counts.reduce((n, c) => n + c.resealed, 0);
    const total = counts.reduce((n, c) => n + c.total, 0);
    this.out.line(`Re-sealed ${resealed} of ${total} secret(s) with the current key; SECRETS_KEYS_OLD is no longer needed for them.`);
  }
}
