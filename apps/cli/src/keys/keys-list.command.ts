import { CommandRunner, SubCommand } from 'nest-commander';
import { ApiKeyRepository } from '@corridor/persistence';
import { CliOutput } from '../cli-output';

@SubCommand({ name: 'list', description: 'List API keys (never their secrets)' })
export class KeysListCommand extends CommandRunner {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(): Promise<void> {
    const rows = (await this.keys.list()).map((k) => [
      k.id,
      k.role,
      k.prefix,
      k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
      k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never used',
      k.name,
    ]);
    if (rows.length === 0) {
      this.out.line('No API keys yet: corridor keys create --role admin');
      return;
    }
    const table = [['ID', 'ROLE', 'PREFIX', 'STATUS', 'LAST USED', 'NAME'], ...rows];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table) this.out.line(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
  }
}
