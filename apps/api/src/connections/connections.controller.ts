import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Roles } from '../auth/roles.decorator';
import { ConnectionDto, CreateConnectionDto, IdParams, StartSyncDto, SyncRunDto, UpdateConnectionDto } from './connection.dto';
import { ConnectionsService } from './connections.service';

@ApiTags('connections')
@Controller('v1')
@Roles('admin')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  private dto(c: Parameters<typeof ConnectionDto.of>[0]): ConnectionDto {
    return ConnectionDto.of(c, this.connections.config.PUBLIC_URL);
  }

  @Post('connections')
  @ApiOperation({ summary: 'Add a HubSpot or Salesforce connection (credentials are encrypted at rest and never returned)' })
  @ApiCreatedResponse({ type: ConnectionDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async create(@Body() dto: CreateConnectionDto): Promise<ConnectionDto> {
    return this.dto(await this.connections.create(dto));
  }

  @Get('connections')
  @ApiOkResponse({ type: [ConnectionDto] })
  async list(): Promise<{ items: ConnectionDto[] }> {
    return { items: (await this.connections.list()).map((c) => this.dto(c)) };
  }

  @Get('connections/:id')
  @ApiOkResponse({ type: ConnectionDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async get(@Param() p: IdParams): Promise<ConnectionDto> {
    return this.dto(await this.connections.get(p.id));
  }

  @Patch('connections/:id')
  @ApiOperation({ summary: 'Change name, settings or credentials (only the fields sent change)' })
  @ApiOkResponse({ type: ConnectionDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async update(@Param() p: IdParams, @Body() dto: UpdateConnectionDto): Promise<ConnectionDto> {
    return this.dto(await this.connections.update(p.id, dto));
  }

  @Delete('connections/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async remove(@Param() p: IdParams): Promise<void> {
    await this.connections.remove(p.id);
  }

  @Post('connections/:id/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check credentials, scopes, reachability and write-back fields; says what is wrong' })
  async test(@Param() p: IdParams) {
    return this.connections.test(p.id);
  }

  @Post('connections/:id/sync')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a full or incremental sync now' })
  @ApiAcceptedResponse({ type: SyncRunDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'A sync of this connection is already queued or running' })
  async sync(@Param() p: IdParams, @Body() dto: StartSyncDto): Promise<SyncRunDto> {
    return SyncRunDto.of(await this.connections.startSync(p.id, dto.mode ?? 'incremental'));
  }

  @Get('connections/:id/sync-runs')
  @ApiOperation({ summary: 'Sync history of a connection, newest first, with progress counts' })
  async runs(@Param() p: IdParams): Promise<{ items: SyncRunDto[] }> {
    return { items: (await this.connections.runs(p.id)).map(SyncRunDto.of) };
  }

  @Get('sync-runs/:id')
  @ApiOkResponse({ type: SyncRunDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async run(@Param() p: IdParams): Promise<SyncRunDto> {
    return SyncRunDto.of(await this.connections.run(p.id));
  }
}
