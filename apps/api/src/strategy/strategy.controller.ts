import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthenticatedKey, CurrentKey } from '../auth/current-key.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import {
  DraftRevisionListDto,
  DraftRevisionViewDto,
  RevisionParams,
  GapReportDto,
  GapsQuery,
  InlineDraftDto,
  PublishedStrategyDto,
  PublishResultDto,
  PublishStrategyDto,
  SaveDraftDto,
  StrategyDraftViewDto,
  StrategyPreviewDto,
  StrategyValidationDto,
  StrategyVersionListDto,
  VersionParams,
} from './strategy.dto';
import { StrategyService } from './strategy.service';

@ApiTags('strategy')
@Controller('v1/strategy')
export class StrategyController {
  constructor(private readonly strategy: StrategyService) {}

  @Get('draft')
  @Roles('admin')
  @ApiOperation({ summary: 'The strategy draft: persona × touchpoint cells and contact policies, at its latest revision' })
  @ApiOkResponse({ type: StrategyDraftViewDto })
  draft(): Promise<StrategyDraftViewDto> {
    return this.strategy.draft();
  }

  @Put('draft')
  @Roles('admin')
  @ApiOperation({
    summary: 'Save the draft as a new revision (cells replace the saved ones; policy fields left out keep theirs); 400 names every problem, 409 DRAFT_STALE on expectedRevision',
  })
  @ApiOkResponse({ type: StrategyDraftViewDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  save(@Body() dto: SaveDraftDto, @CurrentKey() key: AuthenticatedKey): Promise<StrategyDraftViewDto> {
    return this.strategy.save(dto, key.id);
  }

  @Get('draft/revisions')
  @Roles('admin')
  @ApiOperation({ summary: 'Every saved revision of the draft, newest first' })
  @ApiOkResponse({ type: DraftRevisionListDto })
  async revisions(): Promise<DraftRevisionListDto> {
    return { revisions: await this.strategy.revisions() };
  }

  @Get('draft/revisions/:revision')
  @Roles('admin')
  @ApiOperation({ summary: 'One saved revision of the draft, as it was saved' })
  @ApiOkResponse({ type: DraftRevisionViewDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  revision(@Param() p: RevisionParams): Promise<DraftRevisionViewDto> {
    return this.strategy.revision(p.revision);
  }

  @Post('validate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate a draft (inline parts over the saved one) without storing it: 200 with warnings, or 400 naming every problem' })
  @ApiOkResponse({ type: StrategyValidationDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  validate(@Body() dto: InlineDraftDto): Promise<StrategyValidationDto> {
    return this.strategy.validate(dto);
  }

  @Post('preview')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: "Preview a draft over today's customers and live personas: per touchpoint, customers per option, and the changes against the live strategy",
    description: 'Options whose condition reads event.* properties are counted as reached, with `dependsOnEvent` naming the properties: the event decides.',
  })
  @ApiOkResponse({ type: StrategyPreviewDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  preview(@Body() dto: InlineDraftDto): Promise<StrategyPreviewDto> {
    return this.strategy.preview(dto);
  }

  @Post('publish')
  @Roles('admin')
  @ApiOperation({ summary: 'Freeze the saved draft with the current stages, touchpoints and treatments into the next version, atomically; it is live at once' })
  @ApiCreatedResponse({ type: PublishResultDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'STRATEGY_STALE, DRAFT_STALE' })
  publish(@Body() dto: PublishStrategyDto, @CurrentKey() key: AuthenticatedKey): Promise<PublishResultDto> {
    return this.strategy.publish(dto, key.id);
  }

  @Get('versions')
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Published versions, newest (live) first' })
  @ApiOkResponse({ type: StrategyVersionListDto })
  versions(): Promise<StrategyVersionListDto> {
    return this.strategy.listVersions();
  }

  @Get('versions/:version')
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'One published version, as frozen' })
  @ApiOkResponse({ type: PublishedStrategyDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async version(@Param() p: VersionParams): Promise<PublishedStrategyDto> {
    return (await this.strategy.version(p.version)) as unknown as PublishedStrategyDto;
  }

  @Get('gaps')
  @Roles('admin', 'agent')
  @ApiOperation({ summary: 'Moments of truth that some live persona has no treatment for (of=live, default, or of=draft)' })
  @ApiOkResponse({ type: GapReportDto })
  gaps(@Query() q: GapsQuery): Promise<GapReportDto> {
    return this.strategy.gaps(q.of ?? 'live');
  }
}
