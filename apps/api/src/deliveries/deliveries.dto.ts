import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, Matches } from 'class-validator';
import { DELIVERY_STATUSES, DeliveryRecord, DeliveryStatus } from '@corridor/domain';
import { PageQueryDto } from '../validation/page-query.dto';

const BIGINT_ID = /^[0-9]{1,19}$/;

export class ListDeliveriesQuery extends PageQueryDto {
  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'dead', description: 'Which deliveries: `dead` lists the dead letters' })
  @IsIn(DELIVERY_STATUSES as string[])
  status: DeliveryStatus;
}

export class DeliveryIdParams {
  @ApiProperty({ example: '42' })
  @Matches(BIGINT_ID, { message: 'id must be a delivery id (digits)' })
  id: string;
}

export class DeliveryDto {
  @ApiProperty() id: string;
  @ApiProperty() decisionId: string;
  @ApiProperty() eventId: string;
  @ApiProperty() customerId: string;
  @ApiProperty() treatmentKey: string;
  @ApiProperty({ enum: ['webhook', 'crm_task', 'crm_property', 'crm_list'] }) treatmentType: string;
  @ApiProperty() channel: string;
  @ApiProperty({ description: 'The `webhook-id` receivers deduplicate on: the same on every attempt and replay' }) webhookId: string;
  @ApiPropertyOptional({ nullable: true, type: String }) destinationId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) connectionId: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty({ description: 'Attempts ever made, replays included' }) attempts: number;
  @ApiProperty({ description: 'Times this delivery was replayed from the dead letters' }) replays: number;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'When a held or retrying delivery is next due' }) nextAttemptAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'HTTP status of the last attempt, when there was an answer' }) lastStatusCode: number | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Why the last attempt failed, in short' }) lastError: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'Delivered with a caveat, `CODE: why`: `CRM_TASK_KEY_FIELD_MISSING` / `CRM_TASK_KEY_FIELD_UNUSABLE` when a Salesforce task was made without Task.Corridor_Delivery_Id__c (not exactly once)',
  })
  notice: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) deliveredAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) deadAt: string | null;

  static of(d: DeliveryRecord): DeliveryDto {
    return {
      id: d.id,
      decisionId: d.decisionId,
      eventId: d.eventId,
      customerId: d.customerId,
      treatmentKey: d.treatmentKey,
      treatmentType: d.treatmentType,
      channel: d.channel,
      webhookId: d.webhookId,
      destinationId: d.destinationId,
      connectionId: d.connectionId,
      status: d.status,
      attempts: d.attempts,
      replays: d.replays,
      nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      notice: d.notice,
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
      deliveredAt: d.deliveredAt?.toISOString() ?? null,
      deadAt: d.deadAt?.toISOString() ?? null,
    };
  }
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] }) items: DeliveryDto[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Pass as `before` for the next page; null on the last' }) next: string | null;
}
