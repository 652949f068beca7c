import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PersonaSet, SegmentationRun } from '@corridor/domain';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Roles } from '../auth/roles.decorator';
import { SegmentationRefreshService } from './segmentation-refresh.service';
import { SegmentationService } from './segmentation.service';
import { PersonaSetDto, PersonaSetListDto, RunsQuery, SegmentationRunDto, SegmentationRunListDto, StartedRunDto } from './segmentation.dto';

@ApiTags('segmentation')
@Controller('v1/segmentation')
export class SegmentationController {
  constructor(
    private readonly segmentation: SegmentationService,
    private readonly refreshes: SegmentationRefreshService,
  ) {}

  @Post('refresh')
  @Roles('admin')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Re-apply the live rules to everyone now (relative dates move with the calendar; also runs daily on a schedule)',
    description: '202 with the run started (poll GET /v1/segmentation/runs/:id); 409 RUN_IN_PROGRESS when a full run is already re-segmenting everyone.',
  })
  @ApiAcceptedResponse({ type: StartedRunDto })
  @ApiConflictResponse({ type: ApiErrorDto, description: 'RUN_IN_PROGRESS' })
  async refresh(): Promise<StartedRunDto> {
    return this.refreshes.start();
  }

  @Get('runs')
  @Roles('admin')
  @ApiOperation({ summary: 'Recent re-segmentation runs and previews with their progress' })
  @ApiOkResponse({ type: SegmentationRunListDto })
  async runs(@Query() query: RunsQuery): Promise<SegmentationRunListDto> {
    return { runs: await this.segmentation.runs(query.limit ?? 20) };
  }

  @Get('runs/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'One run: status, progress (done, total, percent) and, when finished, its result' })
  @ApiOkResponse({ type: SegmentationRunDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  run(@Param('id') id: string): Promise<SegmentationRun> {
    return this.segmentation.run(id);
  }

  // Agents may read published rules: a customer's explanation names the set it was assigned by,
  // and an agent needs that set's rules to tell why (they read the draft at /v1/personas already).
  @Get('sets')
  @Roles('agent')
  @ApiOperation({ summary: 'Published persona sets, newest first' })
  @ApiOkResponse({ type: PersonaSetListDto })
  async list(): Promise<PersonaSetListDto> {
    return { sets: await this.segmentation.publishedSets() };
  }

  @Get('sets/:version')
  @Roles('agent')
  @ApiOperation({ summary: 'One published persona set with its rules' })
  @ApiOkResponse({ type: PersonaSetDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  set(@Param('version') version: string): Promise<PersonaSet> {
    return this.segmentation.publishedSet(version);
  }
}
