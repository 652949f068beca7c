import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { SegmentationRun } from '@corridor/domain';
import { PersonaSetRepository, SegmentationStore } from '@corridor/persistence';
import { CurrentKey, AuthenticatedKey } from '../auth/current-key.decorator';
import { Roles } from '../auth/roles.decorator';
import { awaitRun } from '../segmentation/await-run';
import { CreatePersonaDto, PersonaMembersQuery, PreviewDto, PublishDto, ReorderPersonasDto, UpdatePersonaDto, ValidateRuleDto } from './persona.dto';
import { PersonasService } from './personas.service';

@ApiTags('personas')
@Controller('v1/personas')
export class PersonasController {
  constructor(
    private readonly personas: PersonasService,
    private readonly sets: PersonaSetRepository,
    private readonly store: SegmentationStore,
  ) {}

  @Get()
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'The draft personas in evaluation order (fallback last), and the live set' })
  async list() {
    const [personas, live] = await Promise.all([this.personas.list(), this.sets.live()]);
    return { personas, live: { version: live.version, liveAt: live.liveAt, members: live.members.map((m) => m.key) } };
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a persona in the draft (400 names the rule path that is wrong)' })
  create(@Body() dto: CreatePersonaDto, @CurrentKey() key: AuthenticatedKey) {
    return this.personas.create(dto, key.id);
  }

  @Post('validate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate a rule without storing it: 200 when valid, 400 with every problem and its path' })
  async validate(@Body() dto: ValidateRuleDto) {
    return { valid: true, ...(await this.personas.validateRule(dto.rule)) };
  }

  @Get('order')
  @Roles('admin')
  @ApiOperation({ summary: 'The evaluation order and its changes, newest first (a persona\'s own versions record only its content)' })
  async order() {
    const history = await this.personas.orders();
    return { keys: history[0]?.keys ?? [], version: history[0]?.version ?? 0, history };
  }

  @Put('order')
  @Roles('admin')
  @ApiOperation({ summary: 'Set the evaluation order: every persona key except the fallback, first evaluated first' })
  async reorder(@Body() dto: ReorderPersonasDto, @CurrentKey() key: AuthenticatedKey) {
    return { personas: await this.personas.reorder(dto.keys, key.id) };
  }

  @Post('preview')
  @Roles('admin')
  @ApiOperation({
    summary: 'Preview a draft set over every customer: counts per persona and the transition matrix from today, without publishing',
  })
  async preview(@Body() dto: PreviewDto, @Res({ passthrough: true }) res: Response): Promise<SegmentationRun> {
    const run = await this.personas.preview(dto.personas);
    return this.answer(run, dto.wait ?? 0, res);
  }

  @Post('publish')
  @Roles('admin')
  @ApiOperation({ summary: 'Publish the draft as a new persona set and re-segment everyone; live when the run completes' })
  async publish(@Body() dto: PublishDto, @CurrentKey() key: AuthenticatedKey, @Res({ passthrough: true }) res: Response) {
    const { setVersion, run } = await this.personas.publish(key.id);
    return { setVersion, run: await this.answer(run, dto.wait ?? 0, res) };
  }

  @Get(':key')
  @Roles('admin', 'agent')
  get(@Param('key') key: string) {
    return this.personas.get(key);
  }

  @Get(':key/customers')
  @Roles('agent')
  @ApiOperation({ summary: 'Customer ids the live set puts in this persona, by id (page with afterId), optionally from one connection' })
  async members(@Param('key') key: string, @Query() q: PersonaMembersQuery) {
    const persona = await this.personas.get(key);
    const ids = await this.store.customersInPersona(persona.id, { limit: q.limit ?? 50, afterId: q.afterId, connectionId: q.connectionId });
    return { persona: persona.key, customerIds: ids, nextAfterId: ids.length === (q.limit ?? 50) ? ids[ids.length - 1] : null };
  }

  @Get(':key/versions')
  @Roles('admin')
  @ApiOperation({ summary: 'Every version of a persona, newest first' })
  async versions(@Param('key') key: string) {
    return { versions: await this.personas.versions(key) };
  }

  @Patch(':key')
  @Roles('admin')
  @ApiOperation({ summary: 'Change name, description, rule or enabled (disable = enabled: false); creates a new version' })
  update(@Param('key') key: string, @Body() dto: UpdatePersonaDto, @CurrentKey() who: AuthenticatedKey) {
    return this.personas.update(key, dto, who.id);
  }

  @Delete(':key')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive a persona (its key stays reserved; history keeps referring to it)' })
  async archive(@Param('key') key: string, @CurrentKey() who: AuthenticatedKey): Promise<void> {
    await this.personas.archive(key, who.id);
  }

  /** 200 with the finished run when it ends within `wait` seconds, else 202 with its progress. */
  private async answer(run: SegmentationRun, wait: number, res: Response): Promise<SegmentationRun> {
    const latest = await awaitRun(this.store, run.id, wait * 1000);
    res.status(latest.status === 'running' ? 202 : 200);
    return latest;
  }
}
