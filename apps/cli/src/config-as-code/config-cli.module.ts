import { Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { CliOutput } from '../cli-output';
import { ApiClient } from './api-client';
import { ConfigAsCodeService } from './config-as-code.service';
import { CONFIG_COMMANDS } from './config-commands';
import { CustomersCommand, CustomersExplainCommand, SyncCommand, SyncRunCommand } from './operations-commands';

/** Commands that work through the API (no database or Redis of their own): config as code, explain, sync. */
@Module({
  imports: [ConfigModule],
  providers: [CliOutput, ApiClient, ConfigAsCodeService, ...CONFIG_COMMANDS, CustomersCommand, CustomersExplainCommand, SyncCommand, SyncRunCommand],
})
export class ConfigCliModule {}
