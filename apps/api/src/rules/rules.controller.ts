import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { compileRule, isValidTimeZone, ValidationError } from '@corridor/domain';
import { AttributeRepository } from '@corridor/persistence';
import { Roles } from '../auth/roles.decorator';
import { EvaluateRuleDto } from './evaluate-rule.dto';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

@ApiTags('rules')
@Controller('v1/rules')
export class RulesController {
  constructor(private readonly attributes: AttributeRepository) {}

  @Post('evaluate')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'The rule playground: evaluate a rule against up to 1,000 inline customers, storing nothing' })
  async evaluate(@Body() dto: EvaluateRuleDto) {
    const timeZone = dto.timezone ?? 'UTC';
    const problems = [];
    if (!isValidTimeZone(timeZone)) problems.push({ field: 'timezone', message: `${JSON.stringify(timeZone)} is not an IANA time zone`, code: 'INVALID_TIMEZONE' });
    const now = dto.now === undefined ? Date.now() : parseInstant(dto.now);
    if (Number.isNaN(now)) problems.push({ field: 'now', message: 'must be an ISO 8601 timestamp with an offset, e.g. 2026-11-23T12:00:00Z', code: 'INVALID_NOW' });
    if (problems.length) throw new ValidationError('The evaluation settings are invalid', problems);

    const rule = compileRule(dto.rule, await this.attributes.loadCatalog());
    const ctx = { now, timeZone };
    return {
      results: dto.customers.map((c) => {
        const explanation = rule.explain(c.attributes ?? {}, ctx);
        return { id: c.id, matched: explanation.matched, explanation };
      }),
    };
  }
}

function parseInstant(text: string): number {
  if (!INSTANT.test(text)) return NaN;
  const ms = Date.parse(text);
  // Date.parse rolls 2026-02-30 over to March; an impossible date must stay invalid.
  return Number.isNaN(ms) || new Date(Date.parse(text.slice(0, 10) + 'T00:00:00Z')).toISOString().slice(0, 10) !== text.slice(0, 10) ? NaN : ms;
}
