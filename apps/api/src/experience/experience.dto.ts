import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { EXPERIENCE_SETTING_LIMITS as L, OUTCOME_TYPES } from '@corridor/domain';
import { EventDecisionDto, ExperienceSummaryDto, StrategyCustomerDto } from '../customer-strategy/customer-strategy.dto';

const number = { allowNaN: false, allowInfinity: false } as const;

export class ExperienceSettingsDto {
  @ApiProperty({ minimum: L.weight.min, maximum: L.weight.max, example: 1, description: 'Weight of the (moment-of-truth weighted) average' })
  @IsNumber(number)
  @Min(L.weight.min)
  @Max(L.weight.max)
  averageWeight: number;

  @ApiProperty({ minimum: L.weight.min, maximum: L.weight.max, example: 1, description: 'Weight of the most intense piece of feedback (farthest from neutral)' })
  @IsNumber(number)
  @Min(L.weight.min)
  @Max(L.weight.max)
  peakWeight: number;

  @ApiProperty({ minimum: L.weight.min, maximum: L.weight.max, example: 1, description: 'Weight of the most recent piece (average, peak and end cannot all be 0)' })
  @IsNumber(number)
  @Min(L.weight.min)
  @Max(L.weight.max)
  endWeight: number;

  @ApiProperty({ minimum: L.momentOfTruthWeight.min, maximum: L.momentOfTruthWeight.max, example: 2, description: 'How much more feedback at a moment of truth counts' })
  @IsNumber(number)
  @Min(L.momentOfTruthWeight.min)
  @Max(L.momentOfTruthWeight.max)
  momentOfTruthWeight: number;

  @ApiProperty({ minimum: L.windowDays.min, maximum: L.windowDays.max, example: 90, description: 'Feedback older than this many days does not count' })
  @IsInt()
  @Min(L.windowDays.min)
  @Max(L.windowDays.max)
  windowDays: number;

  @ApiProperty({
    minimum: L.recoveryThreshold.min,
    maximum: L.recoveryThreshold.max,
    example: 40,
    description: 'A measure strictly below this on the 0–100 scale, at a moment of truth, raises recovery_needed (40: CSAT 1–2, NPS 0–3, effort 5–7)',
  })
  @IsNumber(number)
  @Min(L.recoveryThreshold.min)
  @Max(L.recoveryThreshold.max)
  recoveryThreshold: number;
}

export class ExperienceSettingsViewDto extends ExperienceSettingsDto {
  @ApiProperty({ description: 'False while no admin has saved settings (these are the defaults)' })
  saved: boolean;
}

export class TimelineQuery {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100, description: 'Events per page, newest first' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's `next`: the events older than the last one it showed" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  before?: string;
}

export class TimelineOutcomeDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: OUTCOME_TYPES }) type: string;
  @ApiProperty({ description: '`api`, `callback:<destination id>` or `corridor` (inferred)' }) source: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The delivery it answers' }) deliveryId: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: "A conversion's value" }) value: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) csat: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) nps: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) effort: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) comment: string | null;
  @ApiProperty() occurredAt: Date;
}

export class TimelineEventDto {
  @ApiProperty() id: string;
  @ApiProperty() source: string;
  @ApiProperty() touchpointKey: string;
  @ApiProperty() occurredAt: Date;
  @ApiProperty() receivedAt: Date;
  @ApiProperty({ type: 'object', additionalProperties: true }) properties: Record<string, unknown>;
  @ApiProperty({ type: [EventDecisionDto], description: 'What the strategy did (treatment given, or why not: the reasons) and the deliveries; empty while undecided' })
  decisions: EventDecisionDto[];
  @ApiProperty({ type: [TimelineOutcomeDto], description: 'Outcomes and feedback recorded against the event, oldest first' }) outcomes: TimelineOutcomeDto[];
}

export class CustomerTimelineDto {
  @ApiProperty({ type: StrategyCustomerDto }) customer: StrategyCustomerDto;
  @ApiProperty({ type: ExperienceSummaryDto }) experience: ExperienceSummaryDto;
  @ApiProperty({ type: [TimelineEventDto], description: 'Newest first (occurredAt, then id)' }) events: TimelineEventDto[];
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Pass as `before` for the next (older) page; null on the last page' }) next: string | null;
}
