import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthenticatedKey, CurrentKey } from '../auth/current-key.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { ApplyConfigDto, ConfigApplyResultDto, ConfigDocumentDto } from './config.dto';
import { ConfigApplyService } from './config-apply.service';

/** Configuration as code (the CLI's `personas|journey|strategy export|diff|apply`). */
@ApiTags('config')
@Controller('v1/config')
export class ConfigController {
  constructor(private readonly config: ConfigApplyService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Personas, journey and strategy draft as configuration files hold them, read in one snapshot, with the version of each' })
  @ApiOkResponse({ type: ConfigDocumentDto })
  read(): Promise<ConfigDocumentDto> {
    return this.config.read();
  }

  @Post('apply')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Apply personas, journey and/or strategy in one transaction and publish what changed; 400 names every problem (nothing written), 409 CONFIG_STALE when a version moved since expectedVersions',
  })
  @ApiOkResponse({ type: ConfigApplyResultDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  apply(@Body() dto: ApplyConfigDto, @CurrentKey() key: AuthenticatedKey): Promise<ConfigApplyResultDto> {
    return this.config.apply(dto, key.id);
  }
}
