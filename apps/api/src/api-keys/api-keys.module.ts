import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller';

/** Admin endpoints to list, create and revoke API keys (the CLI does the same for the first key). */
@Module({ controllers: [ApiKeysController] })
export class ApiKeysModule {}
