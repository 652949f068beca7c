import { Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { PersistenceModule } from '@corridor/persistence';
import { CliOutput } from '../cli-output';
import { KeysCreateCommand } from './keys-create.command';
import { KeysListCommand } from './keys-list.command';
import { KeysRevokeCommand } from './keys-revoke.command';
import { KeysCommand } from './keys.command';

@Module({
  imports: [ConfigModule, PersistenceModule],
  providers: [CliOutput, KeysCommand, KeysCreateCommand, KeysListCommand, KeysRevokeCommand],
})
export class KeysCliModule {}
