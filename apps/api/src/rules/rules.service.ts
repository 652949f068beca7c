import { Injectable } from '@nestjs/common';
import { compileRule, isValidTimeZone, RuleExplanation, ValidationError } from '@corridor/domain';
import { AttributeRepository } from '@corridor/persistence';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export interface PlaygroundResult {
  id: string;
  matched: boolean;
  explanation: RuleExplanation;
}

/** The rule playground: a rule compiled against the live catalog, explained for inline customers. */
@Injectable()
export class RulesService {
  constructor(private readonly attributes: AttributeRepository) {}

  async evaluate(
    rule: unknown,
    customers: ReadonlyArray<{ id: string; attributes?: Record<string, unknown> }>,
    settings: { now?: string; timezone?: string },
  ): Promise<PlaygroundResult[]> {
    const timeZone = settings.timezone ?? 'UTC';
    const problems = [];
    if (!isValidTimeZone(timeZone)) problems.push({ field: 'timezone', message: `${JSON.stringify(timeZone)} is not an IANA time zone`, code: 'INVALID_TIMEZONE' });
    const now = settings.now === undefined ? Date.now() : parseInstant(settings.now);
    if (Number.isNaN(now)) problems.push({ field: 'now', message: 'must be an ISO 8601 timestamp with an offset, e.g. 2026-11-23T12:00:00Z', code: 'INVALID_NOW' });
    if (problems.length) throw new ValidationError('The evaluation settings are invalid', problems);

    const compiled = compileRule(rule, await this.attributes.loadCatalog());
    const ctx = { now, timeZone };
    return customers.map((c) => {
      const explanation = compiled.explain((c.attributes ?? {}) as never, ctx);
      return { id: c.id, matched: explanation.matched, explanation };
    });
  }
}

function parseInstant(text: string): number {
  if (!INSTANT.test(text)) return NaN;
  const ms = Date.parse(text);
  // Date.parse rolls 2026-02-30 over to March; an impossible date must stay invalid.
  return Number.isNaN(ms) || new Date(Date.parse(text.slice(0, 10) + 'T00:00:00Z')).toISOString().slice(0, 10) !== text.slice(0, 10) ? NaN : ms;
}
