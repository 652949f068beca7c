import { CommandRunner, SubCommand } from 'nest-commander';
import { ApiKeyRepository } from '@corridor/persistence';
import { CliOutput, terminalSafe } from '../cli-output';

@SubCommand({ name: 'revoke', arguments: '<id>', description: 'Revoke an API key by id: requests with it fail from now on' })
export class KeysRevokeCommand extends CommandRunner {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    const key = await this.keys.revoke(id);
    this.out.line(`Revoked ${key.role} key "${terminalSafe(key.name)}" (id ${key.id}) at ${key.revokedAt?.toISOString()}`);
  }
}
