import { Body, Controller, Get, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { CreateStageDto, RenameStageDto, ReorderStagesDto, StageDto, StageKeyParams, StageListDto } from './journey.dto';
import { JourneyService } from './journey.service';

@ApiTags('journey')
@Controller('v1/journey/stages')
export class JourneyController {
  constructor(private readonly journey: JourneyService) {}

  @Get()
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'The journey stages in order' })
  @ApiOkResponse({ type: StageListDto })
  async list(): Promise<StageListDto> {
    return { stages: await this.journey.stages() };
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Add a stage (at `position`, or last)' })
  @ApiCreatedResponse({ type: StageDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'STAGE_KEY_TAKEN' })
  create(@Body() dto: CreateStageDto): Promise<StageDto> {
    return this.journey.create(dto);
  }

  @Put('order')
  @Roles('admin')
  @ApiOperation({ summary: 'Reorder the stages: every key exactly once, first stage first' })
  @ApiOkResponse({ type: StageListDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async reorder(@Body() dto: ReorderStagesDto): Promise<StageListDto> {
    return { stages: await this.journey.reorder(dto.keys) };
  }

  @Patch(':key')
  @Roles('admin')
  @ApiOperation({ summary: 'Rename a stage (its key stays)' })
  @ApiOkResponse({ type: StageDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  rename(@Param() p: StageKeyParams, @Body() dto: RenameStageDto): Promise<StageDto> {
    return this.journey.rename(p.key, dto.name);
  }
}
