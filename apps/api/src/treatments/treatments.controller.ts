import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { CreateTreatmentDto, TreatmentDto, TreatmentKeyParams, TreatmentListDto, UpdateTreatmentDto } from './treatment.dto';
import { TreatmentsService } from './treatments.service';

@ApiTags('treatments')
@Controller('v1/treatments')
export class TreatmentsController {
  constructor(private readonly treatments: TreatmentsService) {}

  @Get()
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Every treatment' })
  @ApiOkResponse({ type: TreatmentListDto })
  async list(): Promise<TreatmentListDto> {
    return { treatments: await this.treatments.list() };
  }

  @Get(':key')
  @Roles('admin', 'agent')
  @ApiOkResponse({ type: TreatmentDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  get(@Param() p: TreatmentKeyParams): Promise<TreatmentDto> {
    return this.treatments.get(p.key);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Add a treatment; its config is checked for its type (templates: placeholders, size, depth)' })
  @ApiCreatedResponse({ type: TreatmentDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'TREATMENT_KEY_TAKEN' })
  create(@Body() dto: CreateTreatmentDto): Promise<TreatmentDto> {
    return this.treatments.create(dto);
  }

  @Patch(':key')
  @Roles('admin')
  @ApiOperation({ summary: 'Change name, description, channel or config (the type stays)' })
  @ApiOkResponse({ type: TreatmentDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  update(@Param() p: TreatmentKeyParams, @Body() dto: UpdateTreatmentDto): Promise<TreatmentDto> {
    return this.treatments.update(p.key, dto);
  }

  @Delete(':key')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a treatment: 409 TREATMENT_IN_USE while the strategy draft uses it' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  async remove(@Param() p: TreatmentKeyParams): Promise<void> {
    await this.treatments.remove(p.key);
  }
}
