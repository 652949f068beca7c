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
import { ApiErrorDto } from '../errors/api-error.dto';
import { Roles } from '../auth/roles.decorator';
import { AttributeDto, AttributeListDto, AttributeNameParams, CreateAttributeDto, CreateBehaviourAttributeDto, UpdateAttributeDto } from './attributes.dto';
import { AttributesService } from './attributes.service';

@ApiTags('attributes')
@Controller('v1/attributes')
export class AttributesController {
  constructor(private readonly attributes: AttributesService) {}

  // Integrations read the catalog too: it is what their imports are checked against.
  @Get()
  @Roles('agent', 'integration')
  @ApiOperation({ summary: 'The attribute catalog: canonical, custom and CRM-discovered attributes, by name' })
  @ApiOkResponse({ type: AttributeListDto })
  async list(): Promise<AttributeListDto> {
    return { items: (await this.attributes.list()).map(AttributeDto.of) };
  }

  @Get(':name')
  @Roles('agent', 'integration')
  @ApiOkResponse({ type: AttributeDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async get(@Param() params: AttributeNameParams): Promise<AttributeDto> {
    return AttributeDto.of(await this.attributes.get(params.name));
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Define a custom attribute' })
  @ApiCreatedResponse({ type: AttributeDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'An attribute with this name exists' })
  async create(@Body() dto: CreateAttributeDto): Promise<AttributeDto> {
    return AttributeDto.of(await this.attributes.create(dto));
  }

  @Post('behaviour')
  @Roles('admin')
  @ApiOperation({
    summary: 'Define a behavioural attribute (a number Corridor computes per customer from events and feedback)',
    description:
      'Rules use it like any number attribute. Values follow each event of the touchpoint and each feedback within seconds, re-evaluating only that customer, and the calendar at the daily refresh. Customers who already have events or feedback get their values from a background job.',
  })
  @ApiCreatedResponse({ type: AttributeDto })
  @ApiBadRequestResponse({ type: ApiErrorDto, description: 'A bad definition (codes name the field: INVALID_DAYS, TOUCHPOINT_REQUIRED, TOUCHPOINT_NOT_FOUND…)' })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'An attribute with this name exists' })
  async createBehaviour(@Body() dto: CreateBehaviourAttributeDto): Promise<AttributeDto> {
    return AttributeDto.of(await this.attributes.createBehaviour(dto));
  }

  @Patch(':name')
  @Roles('admin')
  @ApiOperation({ summary: 'Change the label or description of any attribute, or add values to a custom enum' })
  @ApiOkResponse({ type: AttributeDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async update(@Param() params: AttributeNameParams, @Body() dto: UpdateAttributeDto): Promise<AttributeDto> {
    return AttributeDto.of(await this.attributes.update(params.name, dto));
  }

  @Delete(':name')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a custom attribute (customers keep the stored values; rules can no longer use it), or a behavioural one (its values go)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'Canonical and CRM attributes cannot be deleted' })
  async delete(@Param() params: AttributeNameParams): Promise<void> {
    await this.attributes.delete(params.name);
  }
}
