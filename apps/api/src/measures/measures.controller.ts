import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentKey, type AuthenticatedKey } from '../auth/current-key.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { CellsQuery, CellStatisticsDto, CellStatisticsPageDto, PeriodQuery, PutTargetDto, TargetDto, TargetGapDto, TargetListDto, TargetParams, TargetReportDto, TargetsQuery } from './measures.dto';
import { MeasuresService } from './measures.service';

@ApiTags('measures')
@Controller('v1/measures')
export class MeasuresController {
  constructor(private readonly measures: MeasuresService) {}

  @Get('cells')
  @Roles('agent')
  @ApiOperation({
    summary: 'Statistics per persona × touchpoint cell over a period of UTC days: counts, rates, feedback averages and the lift of treated over holdout',
    description:
      'Figures belong to the day of the decision (outcomes count with their decision). Lift is the treated conversion rate minus the holdout one with a 95% Newcombe hybrid score interval; under `minimumSample` decisions in either group it says `insufficient` instead. 400 VALIDATION_FAILED names `from`/`to`/`persona`/`touchpoint`.',
  })
  @ApiOkResponse({ type: CellStatisticsPageDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async cells(@Query() q: CellsQuery): Promise<CellStatisticsPageDto> {
    const r = await this.measures.cells(q.from, q.to, { personaKey: q.persona, touchpointKey: q.touchpoint });
    return { from: r.period.from, to: r.period.to, minimumSample: r.minimumSample, cells: r.cells.map(CellStatisticsDto.of) };
  }

  @Get('targets')
  @Roles('agent')
  @ApiOperation({ summary: 'The target score per cell (what the brand promises there)' })
  @ApiOkResponse({ type: TargetListDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async targets(@Query() q: TargetsQuery): Promise<TargetListDto> {
    return { items: (await this.measures.listTargets({ personaKey: q.persona, touchpointKey: q.touchpoint })).map(TargetDto.of) };
  }

  @Get('targets/report')
  @Roles('agent')
  @ApiOperation({ summary: 'Expectation versus experience: each target, the CSAT average measured over the period and the gap, worst first' })
  @ApiOkResponse({ type: TargetReportDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async report(@Query() q: PeriodQuery): Promise<TargetReportDto> {
    const r = await this.measures.report(q.from, q.to);
    return { from: r.period.from, to: r.period.to, items: r.items.map(TargetGapDto.of) };
  }

  @Put('targets/:personaKey/:touchpointKey')
  @Roles('admin')
  @ApiOperation({ summary: "Set a cell's target (creates or replaces it)", description: '404 CELL_NOT_FOUND when the persona or touchpoint does not exist (details name which).' })
  @ApiOkResponse({ type: TargetDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  async put(@Param() p: TargetParams, @Body() dto: PutTargetDto, @CurrentKey() key?: AuthenticatedKey): Promise<TargetDto> {
    const { target } = await this.measures.putTarget(p.personaKey, p.touchpointKey, dto, key?.id ?? null);
    return TargetDto.of(target);
  }

  @Delete('targets/:personaKey/:touchpointKey')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a cell's target" })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto, description: 'TARGET_NOT_FOUND' })
  async remove(@Param() p: TargetParams): Promise<void> {
    await this.measures.removeTarget(p.personaKey, p.touchpointKey);
  }
}
