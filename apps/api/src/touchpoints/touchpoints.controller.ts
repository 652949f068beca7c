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
import { CreateTouchpointDto, TouchpointAnswerDto, TouchpointDto, TouchpointKeyParams, TouchpointListDto, UpdateTouchpointDto } from './touchpoint.dto';
import { TouchpointsService } from './touchpoints.service';

@ApiTags('touchpoints')
@Controller('v1/touchpoints')
export class TouchpointsController {
  constructor(private readonly touchpoints: TouchpointsService) {}

  @Get()
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Every touchpoint in journey order, with a warning when more than ten are major' })
  @ApiOkResponse({ type: TouchpointListDto })
  list(): Promise<TouchpointListDto> {
    return this.touchpoints.list();
  }

  @Get(':key')
  @Roles('admin', 'agent')
  @ApiOkResponse({ type: TouchpointDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  get(@Param() p: TouchpointKeyParams): Promise<TouchpointDto> {
    return this.touchpoints.get(p.key);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Add a touchpoint (appended to its stage); `warnings` says when more than ten are major' })
  @ApiCreatedResponse({ type: TouchpointAnswerDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'TOUCHPOINT_KEY_TAKEN' })
  create(@Body() dto: CreateTouchpointDto): Promise<TouchpointAnswerDto> {
    return this.touchpoints.create(dto);
  }

  @Patch(':key')
  @Roles('admin')
  @ApiOperation({ summary: 'Change a touchpoint (moving it to another stage appends it there); built-in ones keep channel and event properties' })
  @ApiOkResponse({ type: TouchpointAnswerDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  update(@Param() p: TouchpointKeyParams, @Body() dto: UpdateTouchpointDto): Promise<TouchpointAnswerDto> {
    return this.touchpoints.update(p.key, dto);
  }

  @Delete(':key')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a touchpoint: 409 for a built-in one or one the strategy draft uses (published versions keep their copy)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'TOUCHPOINT_BUILT_IN, TOUCHPOINT_IN_USE' })
  async remove(@Param() p: TouchpointKeyParams): Promise<void> {
    await this.touchpoints.remove(p.key);
  }
}
