import { Command, CommandRunner } from 'nest-commander';
import { SecretsReencryptCommand } from './secrets-reencrypt.command';

@Command({ name: 'secrets', description: 'Manage secrets at rest', subCommands: [SecretsReencryptCommand] })
export class SecretsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
