import { Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { PersistenceModule } from '@corridor/persistence';
import { CliOutput } from '../cli-output';
import { SecretsReencryptCommand } from './secrets-reencrypt.command';
import { SecretsCommand } from './secrets.command';

@Module({
  imports: [ConfigModule, PersistenceModule],
  providers: [CliOutput, SecretsCommand, SecretsReencryptCommand],
})
export class SecretsCliModule {}
