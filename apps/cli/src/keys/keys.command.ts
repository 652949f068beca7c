import { Command, CommandRunner } from 'nest-commander';
import { KeysCreateCommand } from './keys-create.command';
import { KeysListCommand } from './keys-list.command';
import { KeysRevokeCommand } from './keys-revoke.command';

@Command({ name: 'keys', description: 'Manage API keys', subCommands: [KeysCreateCommand, KeysListCommand, KeysRevokeCommand] })
export class KeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
