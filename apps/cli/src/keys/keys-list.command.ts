import { CommandRunner, SubCommand } from 'nest-commander';
import { apiKeyState } from '@corridor/domain';
import { ApiKeyRepository } from '@corridor/persistence';
import { CliOutput, terminalSafe } from '../cli-output';

@SubCommand({ name: 'list', description: 'List API keys (never their secrets)' })
export class KeysListCommand extends CommandRunner {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(): Promise<void> {
    const now = new Date();
    const status = (k: { revokedAt: Date | null; expiresAt: Date | null }): string => {
      const state = apiKeyState(k, now);
      if (state === 'revoked') return `revoked ${k.revokedAt!.toISOString()}`;
      if (state === 'expired') return `expired ${k.expiresAt!.toISOString()}`;
      return k.expiresAt ? `active until ${k.expiresAt.toISOString()}` : 'active';
    };
    const rows = (await this.keys.list()).map((k) => [
      k.id,
      k.role,
      k.prefix,
      status(k),
      k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never used',
      terminalSafe(k.name),
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
