import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CustomerViewDto } from '../customers/customers.dto';

const ROW = { type: 'object', additionalProperties: true } as const;
const ROWS = { type: 'array', items: { type: 'object', additionalProperties: true } } as const;

/** Everything held about one customer; rows as stored (snake_case columns), times in ISO 8601. */
export class CustomerExportDto {
  @ApiProperty({ type: String, format: 'date-time' }) exportedAt: Date;
  @ApiProperty({ ...ROW, description: 'The record: stored attributes (stored_attributes) and as rules read them (attributes: behavioural values merged in), CRM ids, erasure mark' })
  customer: Record<string, unknown>;
  @ApiProperty({ type: CustomerViewDto, description: 'The persona assignment with its explanation, and the persona history, as GET /v1/customers/:ref shows them' })
  view: CustomerViewDto;
  @ApiProperty({ ...ROWS, description: 'Records merged into this one' }) mergedRecords: Array<Record<string, unknown>>;
  @ApiProperty({ ...ROWS, description: 'CRM ids that lead to this customer' }) aliases: Array<Record<string, unknown>>;
  @ApiProperty({ ...ROWS, description: 'Assignments in every persona set version' }) assignments: Array<Record<string, unknown>>;
  @ApiProperty({ ...ROWS, description: 'Every persona change, oldest first' }) personaHistory: Array<Record<string, unknown>>;
  @ApiProperty({ ...ROWS, description: 'Touchpoint events with their properties' }) events: Array<Record<string, unknown>>;
  @ApiProperty({ ...ROWS }) decisions: Array<Record<string, unknown>>;
  @ApiProperty({ ...ROWS, description: 'Deliveries with their rendered requests' }) deliveries: Array<Record<string, unknown>>;
  @ApiProperty({ ...ROWS, description: 'Outcomes and feedback, comments included' }) outcomes: Array<Record<string, unknown>>;
  @ApiPropertyOptional({ ...ROW, nullable: true, description: 'Behavioural values (counts, recency)' }) behaviour: Record<string, unknown> | null;
  @ApiPropertyOptional({ ...ROW, nullable: true, description: 'The experience score and latest answers' }) experience: Record<string, unknown> | null;
  @ApiProperty({ ...ROWS, description: 'Pauses after ignored treatments' }) treatmentFatigue: Array<Record<string, unknown>>;
  @ApiProperty({ ...ROWS, description: 'The journey timeline (GET /v1/customers/:ref/timeline), every page, newest first' }) timeline: Array<Record<string, unknown>>;
}

export class ErasureCountsDto {
  @ApiProperty({ description: 'The customer and the records merged into it' }) customers: number;
  @ApiProperty({ description: "Events whose properties were cleared" }) events: number;
  @ApiProperty({ description: 'Decisions whose reasons (which quote attribute values) were cleared' }) decisions: number;
  @ApiProperty({ description: 'Deliveries whose rendered request and error were cleared' }) deliveries: number;
  @ApiProperty({ description: 'Deliveries not yet sent, stopped (dead) so nothing more goes out' }) deliveriesStopped: number;
  @ApiProperty({ description: 'Outcomes whose free-text comment was cleared' }) outcomes: number;
}

export class ErasureDto {
  @ApiProperty({ example: '123' }) customerId: string;
  @ApiProperty({ description: 'The connection and CRM id kept on the tombstone (how the next sync recognises the record)' }) connectionId: string;
  @ApiProperty() externalId: string;
  @ApiProperty({ type: String, format: 'date-time' }) erasedAt: Date;
  @ApiProperty({ type: ErasureCountsDto, description: 'Rows anonymised (0 for what was already empty: erasing twice is harmless)' }) counts: ErasureCountsDto;
}
