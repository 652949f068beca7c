import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { CustomerTimelineDto, ExperienceSettingsDto, ExperienceSettingsViewDto, TimelineQuery } from './experience.dto';
import { ExperienceApiService } from './experience.service';

@ApiTags('experience')
@Controller('v1/experience/settings')
export class ExperienceSettingsController {
  constructor(private readonly experience: ExperienceApiService) {}

  @Get()
  @Roles('agent', 'admin')
  @ApiOperation({ summary: 'The experience score settings (the defaults until an admin saves some); see docs/experience.md' })
  @ApiOkResponse({ type: ExperienceSettingsViewDto })
  get(): Promise<ExperienceSettingsViewDto> {
    return this.experience.settings();
  }

  @Put()
  @Roles('admin')
  @ApiOperation({ summary: 'Set the experience score weights, window and recovery threshold (all of them); applies to scores computed from now on' })
  @ApiOkResponse({ type: ExperienceSettingsViewDto })
  @ApiBadRequestResponse({ type: ApiErrorDto, description: 'VALIDATION_FAILED naming each field out of range' })
  put(@Body() dto: ExperienceSettingsDto): Promise<ExperienceSettingsViewDto> {
    return this.experience.saveSettings(dto);
  }
}

@ApiTags('customers')
@Controller('v1/customers')
export class CustomerTimelineController {
  constructor(private readonly experience: ExperienceApiService) {}

  @Get(':ref/timeline')
  @Roles('agent', 'admin')
  @ApiOperation({
    summary:
      "The customer's journey timeline: touchpoint events newest first, each with its decisions (treatment given, or why not), " +
      'their deliveries and the outcomes and feedback recorded against it; and the experience score',
  })
  @ApiParam({ name: 'ref', description: 'The customer, as GET /v1/customers/:ref takes it', example: 'email:ann@x.io' })
  @ApiOkResponse({ type: CustomerTimelineDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  timeline(@Param('ref') ref: string, @Query() query: TimelineQuery): Promise<CustomerTimelineDto> {
    return this.experience.timeline(ref, query);
  }
}
