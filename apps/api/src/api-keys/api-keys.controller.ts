import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Roles } from '../auth/roles.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, ApiKeyIdParams, ApiKeyListDto, CreateApiKeyDto, CreatedApiKeyDto } from './api-keys.dto';

@ApiTags('api-keys')
@Controller('v1/api-keys')
@Roles('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @ApiOperation({ summary: 'Every API key (never the secret), revoked ones included' })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(): Promise<ApiKeyListDto> {
    return { items: (await this.keys.list()).map(ApiKeyDto.of) };
  }

  @Post()
  @ApiOperation({ summary: 'Create a key; the response holds the key itself, shown this once' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  async create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { apiKey, secret } = await this.keys.issue(dto.name ?? `${dto.role} key`, dto.role, dto.expiresAt ? new Date(dto.expiresAt) : null);
    return Object.assign(ApiKeyDto.of(apiKey), { key: secret });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a key: requests with it fail with 401 from now on' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async revoke(@Param() params: ApiKeyIdParams): Promise<void> {
    await this.keys.revoke(params.id);
  }
}
