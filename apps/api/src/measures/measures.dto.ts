import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CellFigures, Lift, PERSONA_KEY_PATTERN, TARGET_MEASURES, TargetGap } from '@corridor/domain';
import type { StoredTarget } from '@corridor/persistence';
import { JOURNEY_KEY, JOURNEY_KEY_MESSAGE } from '../journey/journey.dto';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PERSONA_KEY_MESSAGE = 'must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63 characters)';

export class PeriodQuery {
  @ApiProperty({ example: '2026-09-01', description: 'First UTC day of the period (the day a decision was made; its outcomes count with it)' })
  @Matches(DAY, { message: 'from must be a date (YYYY-MM-DD)' })
  from: string;

  @ApiProperty({ example: '2026-11-29', description: 'Last UTC day of the period, included (at most 366 days after from)' })
  @Matches(DAY, { message: 'to must be a date (YYYY-MM-DD)' })
  to: string;
}

export class CellsQuery extends PeriodQuery {
  @ApiPropertyOptional({ example: 'vip', description: 'Only this persona\'s cells' })
  @IsOptional()
  @Matches(PERSONA_KEY_PATTERN, { message: `persona ${PERSONA_KEY_MESSAGE}` })
  persona?: string;

  @ApiPropertyOptional({ example: 'checkout', description: 'Only this touchpoint\'s cells' })
  @IsOptional()
  @Matches(JOURNEY_KEY, { message: `touchpoint ${JOURNEY_KEY_MESSAGE}` })
  touchpoint?: string;
}

export class TargetParams {
  @ApiProperty({ example: 'vip' })
  @Matches(PERSONA_KEY_PATTERN, { message: `personaKey ${PERSONA_KEY_MESSAGE}` })
  personaKey: string;

  @ApiProperty({ example: 'checkout' })
  @Matches(JOURNEY_KEY, { message: `touchpointKey ${JOURNEY_KEY_MESSAGE}` })
  touchpointKey: string;
}

export class TargetsQuery {
  @ApiPropertyOptional({ example: 'vip' })
  @IsOptional()
  @Matches(PERSONA_KEY_PATTERN, { message: `persona ${PERSONA_KEY_MESSAGE}` })
  persona?: string;

  @ApiPropertyOptional({ example: 'checkout' })
  @IsOptional()
  @Matches(JOURNEY_KEY, { message: `touchpoint ${JOURNEY_KEY_MESSAGE}` })
  touchpoint?: string;
}

export class PutTargetDto {
  @ApiPropertyOptional({ enum: TARGET_MEASURES, default: 'csat', description: 'The measure the target is for: the CSAT average (1–5)' })
  @IsOptional()
  @IsIn(TARGET_MEASURES as readonly string[])
  measure?: 'csat';

  @ApiProperty({ example: 4.5, minimum: 1, maximum: 5, description: 'The promised average' })
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 })
  @Min(1)
  @Max(5)
  target: number;

  @ApiPropertyOptional({ example: 'Checkout must feel effortless', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class TargetDto {
  @ApiProperty() personaKey: string;
  @ApiProperty() touchpointKey: string;
  @ApiProperty({ enum: TARGET_MEASURES }) measure: string;
  @ApiProperty() target: number;
  @ApiProperty() note: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The admin key that last set it' }) updatedBy: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;

  static of(t: StoredTarget): TargetDto {
    return { personaKey: t.personaKey, touchpointKey: t.touchpointKey, measure: t.measure, target: t.target, note: t.note, updatedBy: t.updatedBy, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() };
  }
}

export class TargetListDto {
  @ApiProperty({ type: [TargetDto] }) items: TargetDto[];
}

export class TargetGapDto {
  @ApiProperty() personaKey: string;
  @ApiProperty() touchpointKey: string;
  @ApiProperty({ enum: TARGET_MEASURES }) measure: string;
  @ApiProperty() target: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'The average measured over the period (null: no answers)' }) measured: number | null;
  @ApiProperty({ description: 'Answers the average is over' }) responses: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'measured − target: negative falls short' }) gap: number | null;

  static of(g: TargetGap): TargetGapDto {
    return { personaKey: g.personaKey, touchpointKey: g.touchpointKey, measure: g.measure, target: g.target, measured: g.measured, responses: g.responses, gap: g.gap };
  }
}

export class TargetReportDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ type: [TargetGapDto], description: 'Worst first: the largest shortfall; cells without answers last' }) items: TargetGapDto[];
}

export class RateDto {
  @ApiProperty() count: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'count per sent delivery (null: nothing sent); above 1 when a delivery earns several' }) rate: number | null;
}

export class OutcomeRatesDto {
  @ApiProperty({ type: RateDto }) delivered: RateDto;
  @ApiProperty({ type: RateDto }) opened: RateDto;
  @ApiProperty({ type: RateDto }) clicked: RateDto;
  @ApiProperty({ type: RateDto }) converted: RateDto;
  @ApiProperty({ type: RateDto }) dismissed: RateDto;
  @ApiProperty({ type: RateDto }) ignored: RateDto;
  @ApiProperty({ type: RateDto }) feedback: RateDto;
}

export class ConversionsDto {
  @ApiProperty({ description: '`converted` outcomes' }) count: number;
  @ApiProperty({ description: 'Sum of their values' }) value: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) averageValue: number | null;
}

export class AverageDto {
  @ApiProperty() count: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) average: number | null;
}

export class NpsDto extends AverageDto {
  @ApiProperty({ description: 'Answers of 9 or 10' }) promoters: number;
  @ApiProperty({ description: 'Answers of 0 to 6' }) detractors: number;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Net Promoter Score: % promoters − % detractors (−100 to 100)' }) score: number | null;
}

export class FeedbackDto {
  @ApiProperty({ type: AverageDto, description: 'CSAT 1–5' }) csat: AverageDto;
  @ApiProperty({ type: NpsDto, description: 'NPS 0–10' }) nps: NpsDto;
  @ApiProperty({ type: AverageDto, description: 'Customer effort 1 (effortless) – 7' }) effort: AverageDto;
}

export class GroupDto {
  @ApiProperty({ description: 'Decisions in the group' }) n: number;
  @ApiProperty({ description: 'Of them, decisions with at least one conversion' }) converted: number;
  @ApiPropertyOptional({ description: 'converted / n (absent when insufficient)' }) rate?: number;
}

export class IntervalDto {
  @ApiProperty() lower: number;
  @ApiProperty() upper: number;
}

export class InsufficientDto {
  @ApiProperty({ example: 'Too few decisions to measure lift: holdout 12 (at least 30 in each group)' }) reason: string;
  @ApiProperty({ description: 'Decisions needed in each group' }) minimum: number;
}

export class LiftDto {
  @ApiProperty({ type: GroupDto, description: 'Decisions whose outcome is treated or held (quiet hours; sent later)' }) treated: GroupDto;
  @ApiProperty({ type: GroupDto, description: 'Held-out decisions' }) holdout: GroupDto;
  @ApiPropertyOptional({ description: 'Treated conversion rate minus holdout conversion rate (0.05: five points)' }) difference?: number;
  @ApiPropertyOptional({ enum: [0.95] }) confidence?: number;
  @ApiPropertyOptional({ type: IntervalDto, description: 'Confidence interval of the difference' }) interval?: IntervalDto;
  @ApiPropertyOptional({ enum: ['newcombe-hybrid-score'] }) method?: string;
  @ApiPropertyOptional({ type: InsufficientDto, description: 'Instead of a number, when a group is too small' }) insufficient?: InsufficientDto;

  static of(l: Lift): LiftDto {
    return l as LiftDto;
  }
}

export class CellStatisticsDto {
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null: decisions made while the customer had no live persona' }) personaKey: string | null;
  @ApiProperty() touchpointKey: string;
  @ApiProperty({ description: 'Touchpoint events decided in the cell (one decision per event: equal to decisions)' }) events: number;
  @ApiProperty() decisions: number;
  @ApiProperty({ description: 'Decisions treated at once' }) treated: number;
  @ApiProperty({ description: 'Decisions held for quiet hours (sent at their end unless displaced)' }) held: number;
  @ApiProperty() suppressed: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { FREQUENCY_CAP: 12, CONSENT_REFUSED: 3 }, description: 'Suppressed decisions by the reason code that stopped them' })
  suppressedBy: Record<string, number>;
  @ApiProperty() heldOut: number;
  @ApiProperty() noTreatment: number;
  @ApiProperty({ description: 'Deliveries created' }) deliveries: number;
  @ApiProperty({ description: 'Deliveries delivered (treatments sent)' }) sent: number;
  @ApiProperty({ description: 'Dead letters' }) dead: number;
  @ApiProperty({ type: OutcomeRatesDto }) outcomes: OutcomeRatesDto;
  @ApiProperty({ type: ConversionsDto }) conversions: ConversionsDto;
  @ApiProperty({ type: FeedbackDto }) feedback: FeedbackDto;
  @ApiProperty({ type: LiftDto }) lift: LiftDto;

  static of(f: CellFigures): CellStatisticsDto {
    return { ...f, outcomes: f.outcomes as unknown as OutcomeRatesDto, lift: LiftDto.of(f.lift) };
  }
}

export class CellStatisticsPageDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ description: 'Decisions needed in each group before lift is shown' }) minimumSample: number;
  @ApiProperty({ type: [CellStatisticsDto], description: 'Cells with any figure in the period, by persona then touchpoint' }) cells: CellStatisticsDto[];
}
