import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { CreateDestinationDto, DestinationDto, DestinationIdParams, DestinationListDto, UpdateDestinationDto } from './destination.dto';
import { DestinationsService } from './destinations.service';

@ApiTags('destinations')
@Controller('v1/destinations')
@Roles('admin')
export class DestinationsController {
  constructor(private readonly destinations: DestinationsService) {}

  @Get()
  @ApiOperation({ summary: 'Webhook destinations (never their secrets)' })
  @ApiOkResponse({ type: DestinationListDto })
  async list(): Promise<DestinationListDto> {
    return { destinations: await this.destinations.list() };
  }

  @Get(':id')
  @ApiOkResponse({ type: DestinationDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  get(@Param() p: DestinationIdParams): Promise<DestinationDto> {
    return this.destinations.get(p.id);
  }

  @Post()
  @ApiOperation({
    summary: 'Add a destination',
    description:
      'http/https only; the host must resolve only to public addresses (loopback, private and link-local ones are refused, after DNS resolution) unless DESTINATION_ALLOWED_HOSTS names it. The secret is sealed and never returned.',
  })
  @ApiCreatedResponse({ type: DestinationDto })
  @ApiBadRequestResponse({ type: ApiErrorDto, description: 'DESTINATION_ADDRESS_REFUSED, DESTINATION_URL_SCHEME, DESTINATION_UNRESOLVABLE, …' })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'DESTINATION_NAME_TAKEN' })
  @ApiServiceUnavailableResponse({ type: ApiErrorDto, description: 'DNS_UNAVAILABLE' })
  create(@Body() dto: CreateDestinationDto): Promise<DestinationDto> {
    return this.destinations.create(dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a destination (a new URL is checked like on create; a new secret rotates it)' })
  @ApiOkResponse({ type: DestinationDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  update(@Param() p: DestinationIdParams, @Body() dto: UpdateDestinationDto): Promise<DestinationDto> {
    return this.destinations.update(p.id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a destination: 409 DESTINATION_IN_USE while a treatment sends to it' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  async remove(@Param() p: DestinationIdParams): Promise<void> {
    await this.destinations.remove(p.id);
  }
}
