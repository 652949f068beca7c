import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Persona, SegmentationRun } from '@corridor/domain';
import { CurrentKey, AuthenticatedKey } from '../auth/current-key.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { SegmentationRunDto } from '../segmentation/segmentation.dto';
import {
  PersonaDto,
  PersonaListDto,
  PersonaMembersDto,
  PersonaOrderViewDto,
  PersonasDto,
  PersonaVersionsDto,
  PublishedDto,
  RuleValidDto,
} from './persona-views.dto';
import { CreatePersonaDto, PersonaMembersQuery, PreviewDto, PublishDto, ReorderPersonasDto, UpdatePersonaDto, ValidateRuleDto } from './persona.dto';
import { PersonasService } from './personas.service';

@ApiTags('personas')
@Controller('v1/personas')
export class PersonasController {
  constructor(private readonly personas: PersonasService) {}

  @Get()
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'The draft personas in evaluation order (fallback last), and the live set' })
  @ApiOkResponse({ type: PersonaListDto })
  list(): Promise<PersonaListDto> {
    return this.personas.listWithLive();
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a persona in the draft (400 names the rule path that is wrong)' })
  @ApiCreatedResponse({ type: PersonaDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  create(@Body() dto: CreatePersonaDto, @CurrentKey() key: AuthenticatedKey): Promise<Persona> {
    return this.personas.create(dto, key.id);
  }

  @Post('validate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate a rule without storing it: 200 when valid, 400 with every problem and its path' })
  @ApiOkResponse({ type: RuleValidDto })
  @ApiBadRequestResponse({ type: ApiErrorDto, description: 'Every problem of the rule, with its path' })
  async validate(@Body() dto: ValidateRuleDto): Promise<RuleValidDto> {
    return { valid: true, ...(await this.personas.validateRule(dto.rule)) };
  }

  @Get('order')
  @Roles('admin')
  @ApiOperation({ summary: 'The evaluation order and its changes, newest first (a persona\'s own versions record only its content)' })
  @ApiOkResponse({ type: PersonaOrderViewDto })
  async order(): Promise<PersonaOrderViewDto> {
    const history = await this.personas.orders();
    return { keys: history[0]?.keys ?? [], version: history[0]?.version ?? 0, history };
  }

  @Put('order')
  @Roles('admin')
  @ApiOperation({ summary: 'Set the evaluation order: every persona key except the fallback, first evaluated first' })
  @ApiOkResponse({ type: PersonasDto })
  async reorder(@Body() dto: ReorderPersonasDto, @CurrentKey() key: AuthenticatedKey): Promise<PersonasDto> {
    return { personas: await this.personas.reorder(dto.keys, key.id) };
  }

  @Post('preview')
  @Roles('admin')
  @ApiOperation({
    summary: 'Preview a draft set over every customer: counts per persona and the transition matrix from today, without publishing',
  })
  @ApiOkResponse({ type: SegmentationRunDto, description: 'The preview finished within `wait` seconds' })
  @ApiAcceptedResponse({ type: SegmentationRunDto, description: 'Still running: poll GET /v1/segmentation/runs/:id' })
  async preview(@Body() dto: PreviewDto, @Res({ passthrough: true }) res: Response): Promise<SegmentationRun> {
    const run = await this.personas.preview(dto.personas);
    return this.answer(run, dto.wait ?? 0, res);
  }

  @Post('publish')
  @Roles('admin')
  @ApiOperation({ summary: 'Publish the draft as a new persona set and re-segment everyone; live when the run completes' })
  @ApiOkResponse({ type: PublishedDto, description: 'The run finished within `wait` seconds' })
  @ApiAcceptedResponse({ type: PublishedDto, description: 'Still running: poll GET /v1/segmentation/runs/:id' })
  async publish(@Body() dto: PublishDto, @CurrentKey() key: AuthenticatedKey, @Res({ passthrough: true }) res: Response): Promise<PublishedDto> {
    const { setVersion, run } = await this.personas.publish(key.id);
    return { setVersion, run: await this.answer(run, dto.wait ?? 0, res) };
  }

  @Get(':key')
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'One persona of the draft' })
  @ApiOkResponse({ type: PersonaDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  get(@Param('key') key: string): Promise<Persona> {
    return this.personas.get(key);
  }

  @Get(':key/customers')
  @Roles('agent')
  @ApiOperation({ summary: 'Customer ids the live set puts in this persona, by id (page with afterId), optionally from one connection' })
  @ApiOkResponse({ type: PersonaMembersDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  members(@Param('key') key: string, @Query() q: PersonaMembersQuery): Promise<PersonaMembersDto> {
    return this.personas.members(key, { limit: q.limit ?? 50, afterId: q.afterId, connectionId: q.connectionId });
  }

  @Get(':key/versions')
  @Roles('admin')
  @ApiOperation({ summary: 'Every version of a persona, newest first' })
  @ApiOkResponse({ type: PersonaVersionsDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async versions(@Param('key') key: string): Promise<PersonaVersionsDto> {
    return { versions: await this.personas.versions(key) };
  }

  @Patch(':key')
  @Roles('admin')
  @ApiOperation({ summary: 'Change name, description, rule or enabled (disable = enabled: false); creates a new version' })
  @ApiOkResponse({ type: PersonaDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  update(@Param('key') key: string, @Body() dto: UpdatePersonaDto, @CurrentKey() who: AuthenticatedKey): Promise<Persona> {
    return this.personas.update(key, dto, who.id);
  }

  @Delete(':key')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive a persona (its key stays reserved; history keeps referring to it)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async archive(@Param('key') key: string, @CurrentKey() who: AuthenticatedKey): Promise<void> {
    await this.personas.archive(key, who.id);
  }

  /** 200 with the finished run when it ends within `wait` seconds, else 202 with its progress. */
  private async answer(run: SegmentationRun, wait: number, res: Response): Promise<SegmentationRun> {
    const latest = await this.personas.awaitRun(run.id, wait * 1000);
    res.status(latest.status === 'running' ? 202 : 200);
    return latest;
  }
}
