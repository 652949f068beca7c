import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '@corridor/domain';
import { PersonaSetRepository, SegmentationStore } from '@corridor/persistence';
import { Roles } from '../auth/roles.decorator';
import { SegmentationRefreshService } from './segmentation-refresh.service';
import { RunsQuery } from './segmentation.dto';

@ApiTags('segmentation')
@Controller('v1/segmentation')
export class SegmentationController {
  constructor(
    private readonly store: SegmentationStore,
    private readonly sets: PersonaSetRepository,
    private readonly refreshes: SegmentationRefreshService,
  ) {}

  @Post('refresh')
  @Roles('admin')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Re-apply the live rules to everyone now (relative dates move with the calendar; also runs daily on a schedule)',
    description: '202 with the run started (poll GET /v1/segmentation/runs/:id); 409 RUN_IN_PROGRESS when a full run is already re-segmenting everyone.',
  })
  async refresh() {
    return this.refreshes.start();
  }

  @Get('runs')
  @Roles('admin')
  @ApiOperation({ summary: 'Recent re-segmentation runs and previews with their progress' })
  async runs(@Query() query: RunsQuery) {
    return { runs: await this.store.listRuns(query.limit ?? 20) };
  }

  @Get('runs/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'One run: status, progress (done, total, percent) and, when finished, its result' })
  async run(@Param('id') id: string) {
    const run = await this.store.getRun(id);
    if (!run) throw new NotFoundError('Segmentation run', id, 'RUN_NOT_FOUND');
    return run;
  }

  // Agents may read published rules: a customer's explanation names the set it was assigned by,
  // and an agent needs that set's rules to tell why (they read the draft at /v1/personas already).
  @Get('sets')
  @Roles('agent')
  @ApiOperation({ summary: 'Published persona sets, newest first' })
  async list() {
    return { sets: await this.sets.list() };
  }

  @Get('sets/:version')
  @Roles('agent')
  @ApiOperation({ summary: 'One published persona set with its rules' })
  async set(@Param('version') version: string) {
    const set = /^[0-9]{1,9}$/.test(version) ? await this.sets.get(Number(version)) : null;
    if (!set) throw new NotFoundError('Persona set', version, 'SET_NOT_FOUND');
    return set;
  }
}
