import { Global, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config';

/** Validates the environment once at boot; a bad setting stops the process with its name. */
@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: () => loadConfig() }],
  exports: [AppConfig],
})
export class ConfigModule {}
