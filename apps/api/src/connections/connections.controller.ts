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
import {
  ConnectionDto,
  ConnectionListDto,
  ConnectionTestResultDto,
  CreateConnectionDto,
  IdParams,
  RunParams,
  StartSyncDto,
  SyncRunDto,
  SyncRunListDto,
  UpdateConnectionDto,
  WritebackStatusDto,
} from './connection.dto';
import { ConnectionsService } from './connections.service';

@ApiTags('connections')
@Controller('v1')
@Roles('admin')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Post('connections')
  @ApiOperation({
    summary: 'Add a HubSpot or Salesforce connection (credentials are encrypted at rest and never returned)',
    description:
      'The connection is tested on create: what fails comes back in `warnings` (the connection is created anyway). Write-back fields set in `settings.writeback.fields` are checked in the CRM: 400 when one is missing or read-only.',
  })
  @ApiCreatedResponse({ type: ConnectionDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async create(@Body() dto: CreateConnectionDto): Promise<ConnectionDto> {
    const { connection, warnings } = await this.connections.create(dto);
    return this.connections.view(connection, warnings);
  }

  @Get('connections')
  @ApiOkResponse({ type: ConnectionListDto })
  async list(): Promise<ConnectionListDto> {
    const items = await this.connections.list();
    return { items: await Promise.all(items.map((c) => this.connections.view(c))) };
  }

  @Get('connections/:id')
  @ApiOperation({ summary: 'A connection with its sync (last, current, next) and write-back status (counts, last error, blocked)' })
  @ApiOkResponse({ type: ConnectionDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async get(@Param() p: IdParams): Promise<ConnectionDto> {
    return this.connections.view(await this.connections.get(p.id));
  }

  @Get('connections/:id/writeback')
  @ApiOperation({ summary: 'Write-back status: target fields, written/skipped/failed counts, the last permanent error in plain words, and whether it is blocked' })
  @ApiOkResponse({ type: WritebackStatusDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async writeback(@Param() p: IdParams): Promise<WritebackStatusDto> {
    return this.connections.writebackStatus(await this.connections.get(p.id));
  }

  @Patch('connections/:id')
  @ApiOperation({ summary: 'Change name, settings or credentials (only the fields sent change)' })
  @ApiOkResponse({ type: ConnectionDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async update(@Param() p: IdParams, @Body() dto: UpdateConnectionDto): Promise<ConnectionDto> {
    return this.connections.view(await this.connections.update(p.id, dto));
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
  @ApiOkResponse({ type: ConnectionTestResultDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async test(@Param() p: IdParams): Promise<ConnectionTestResultDto> {
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

  @Post('connections/:id/sync-runs/:runId/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a queued or running sync: the worker stops at its next page; the run ends `cancelled` with its committed pages and checkpoint kept' })
  @ApiAcceptedResponse({ type: SyncRunDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'The run has already finished' })
  async cancel(@Param() p: RunParams): Promise<SyncRunDto> {
    return SyncRunDto.of(await this.connections.cancelRun(p.id, p.runId));
  }

  @Get('connections/:id/sync-runs')
  @ApiOperation({ summary: 'Sync history of a connection, newest first, with progress counts and the window each run reads' })
  @ApiOkResponse({ type: SyncRunListDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async runs(@Param() p: IdParams): Promise<SyncRunListDto> {
    return { items: (await this.connections.runs(p.id)).map(SyncRunDto.of) };
  }

  @Get('sync-runs/:id')
  @ApiOkResponse({ type: SyncRunDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async run(@Param() p: IdParams): Promise<SyncRunDto> {
    return SyncRunDto.of(await this.connections.run(p.id));
  }
}
