import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { EvaluateRuleDto, PlaygroundResultsDto } from './evaluate-rule.dto';
import { RulesService } from './rules.service';

@ApiTags('rules')
@Controller('v1/rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Post('evaluate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'The rule playground: evaluate a rule against up to 1,000 inline customers, storing nothing' })
  @ApiOkResponse({ type: PlaygroundResultsDto })
  @ApiBadRequestResponse({ type: ApiErrorDto, description: 'The rule, the time zone or `now` is invalid (the field is named)' })
  async evaluate(@Body() dto: EvaluateRuleDto): Promise<PlaygroundResultsDto> {
    return { results: await this.rules.evaluate(dto.rule, dto.customers, { now: dto.now, timezone: dto.timezone }) };
  }
}
