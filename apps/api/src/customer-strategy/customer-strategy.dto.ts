import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CHANNELS, DECISION_OUTCOMES, DELIVERY_STATUSES, TREATMENT_TYPES } from '@corridor/domain';

export class CustomerStrategyQuery {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100, description: 'How many recent touchpoint events, newest first' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  events?: number;
}

export class DecisionReasonDto {
  @ApiProperty({ example: 'FREQUENCY_CAP', description: 'Stable code (OPTION_MATCHED, NO_CELL, CONSENT_REFUSED, FREQUENCY_CAP, QUIET_HOURS, PRIORITY, HOLDOUT, …)' })
  code: string;
  @ApiProperty({ example: 'Cap of 1 per day on channel email reached until 2026-06-11T00:00:00.000Z' })
  message: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'e.g. the cap and `until`, the quiet hours `releaseAt`, the consent attribute' })
  details?: Record<string, unknown>;
}

export class StrategyCustomerDto {
  @ApiProperty() id: string;
  @ApiPropertyOptional({ type: String, nullable: true }) email: string | null;
  @ApiProperty() connectionId: string;
  @ApiProperty() externalId: string;
}

export class StrategyPersonaDto {
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'As published with the live persona set' }) description: string;
  @ApiProperty() setVersion: number;
  @ApiProperty() evaluatedAt: Date;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Why this persona: the same explanation as GET /v1/customers/:ref' })
  explanation: unknown;
}

export class OptionStandingDto {
  @ApiProperty({ description: '0-based position in the cell' }) index: number;
  @ApiProperty() treatmentKey: string;
  @ApiProperty({ enum: ['always', 'holds', 'does_not_hold', 'depends_on_event'] }) standing: string;
}

export class StrategyTreatmentDto {
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: TREATMENT_TYPES }) type: string;
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiPropertyOptional({ description: 'For agent scripts: the text to read out' }) script?: string;
}

export class TouchpointStrategyDto {
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty() stageKey: string;
  @ApiProperty() stageName: string;
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiProperty() major: boolean;
  @ApiProperty() momentOfTruth: boolean;
  @ApiProperty() owner: string;
  @ApiProperty({ enum: DECISION_OUTCOMES, description: 'What the customer would get here now' }) outcome: string;
  @ApiPropertyOptional({ type: StrategyTreatmentDto, nullable: true }) treatment: StrategyTreatmentDto | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) optionIndex: number | null;
  @ApiProperty({ description: 'An earlier option reads event properties: the event may pick it instead' }) dependsOnEvent: boolean;
  @ApiProperty({ type: [OptionStandingDto] }) options: OptionStandingDto[];
  @ApiProperty({ type: [DecisionReasonDto] }) reasons: DecisionReasonDto[];
}

export class EventDeliveryDto {
  @ApiProperty() id: string;
  @ApiProperty() treatmentKey: string;
  @ApiProperty({ enum: TREATMENT_TYPES }) treatmentType: string;
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty() attempts: number;
  @ApiPropertyOptional({ type: Date, nullable: true }) nextAttemptAt: Date | null;
  @ApiProperty() createdAt: Date;
  @ApiPropertyOptional({ type: Date, nullable: true }) deliveredAt: Date | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) lastStatusCode: number | null;
}

export class EventDecisionDto {
  @ApiProperty() id: string;
  @ApiProperty() touchpointKey: string;
  @ApiPropertyOptional({ type: String, nullable: true }) personaKey: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) personaSetVersion: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) strategyVersion: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) optionIndex: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) treatmentKey: string | null;
  @ApiProperty({ enum: DECISION_OUTCOMES }) outcome: string;
  @ApiProperty({ type: [DecisionReasonDto] }) reasons: DecisionReasonDto[];
  @ApiProperty() decidedAt: Date;
  @ApiProperty({ type: [EventDeliveryDto] }) deliveries: EventDeliveryDto[];
}

export class RecentEventDto {
  @ApiProperty() id: string;
  @ApiProperty() source: string;
  @ApiProperty() touchpointKey: string;
  @ApiProperty() occurredAt: Date;
  @ApiProperty() receivedAt: Date;
  @ApiProperty({ type: 'object', additionalProperties: true }) properties: Record<string, unknown>;
  @ApiProperty({ type: [EventDecisionDto], description: 'Empty while the event waits to be decided' }) decisions: EventDecisionDto[];
}

export class ExperienceSummaryDto {
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'The experience score, 0–100 (peak-end over the window, docs/experience.md); null without feedback in the window', example: 19.6 })
  score: number | null;
  @ApiProperty({ description: 'Pieces of feedback in the window' }) feedbackCount: number;
  @ApiProperty({ description: 'The window the score covers, in days (the current setting)', example: 90 }) windowDays: number;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'The latest CSAT answer (1–5), whenever it came' }) lastCsat: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'The latest NPS answer (0–10)' }) lastNps: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'The latest customer effort answer (1–7, 1 effortless)' }) lastEffort: number | null;
  @ApiPropertyOptional({ type: Date, nullable: true }) lastFeedbackAt: Date | null;
  @ApiPropertyOptional({ type: Date, nullable: true, description: 'When the score was last computed' }) updatedAt: Date | null;
}

export class CustomerStrategyDto {
  @ApiProperty({ type: StrategyCustomerDto }) customer: StrategyCustomerDto;
  @ApiPropertyOptional({ type: StrategyPersonaDto, nullable: true }) persona: StrategyPersonaDto | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'The live strategy version; null before the first publish' }) strategyVersion: number | null;
  @ApiProperty({ description: "The zone the customer's caps and quiet hours are read in" }) timeZone: string;
  @ApiProperty({ description: 'The instant the answer describes' }) asOf: Date;
  @ApiProperty({ type: [TouchpointStrategyDto], description: 'Every touchpoint, in journey order' }) touchpoints: TouchpointStrategyDto[];
  @ApiProperty({ type: [RecentEventDto] }) recentEvents: RecentEventDto[];
  @ApiProperty({ type: ExperienceSummaryDto, description: "The customer's experience score and latest answers" }) experience: ExperienceSummaryDto;
  @ApiProperty({ description: 'The path of the full journey timeline (events, decisions, deliveries, outcomes and feedback)', example: '/v1/customers/42/timeline' })
  timeline: string;
}
