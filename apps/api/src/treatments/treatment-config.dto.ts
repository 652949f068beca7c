import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';

/**
 * Per-type treatment configs. The request carries `config` as raw JSON (its template must reach
 * the service as sent); the service validates it with the class its `type` names.
 */

export class WebhookConfigDto {
  @ApiProperty({ format: 'uuid', description: 'A destination (POST /v1/destinations)' })
  @IsUUID('all', { message: 'destinationId must be a UUID' })
  destinationId: string;

  @ApiPropertyOptional({
    description: 'JSON body with `{{path}}` placeholders (customer.*, persona.*, touchpoint.*, event.*); at most 16 KB, 8 levels. Absent: the default envelope.',
    example: { email: '{{customer.email}}', persona: '{{persona.key}}', cart: '{{event.cart_value}}' },
  })
  // Checked by validateTemplate in the service (placeholders, size, depth); null: the default envelope.
  @IsOptional()
  payloadTemplate?: unknown;
}

export class CrmTaskConfigDto {
  @ApiProperty({ example: 'Call {{customer.first_name}} about renewal', description: 'May hold placeholders' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  subject: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(5000)
  body?: string;

  @ApiProperty({ example: 2, description: 'Due this many days after the decision (0-365)' })
  @IsInt()
  @Min(0)
  @Max(365)
  dueInDays: number;

  @ApiPropertyOptional({ enum: ['low', 'medium', 'high'] })
  @IsOptionalNotNull()
  @IsIn(['low', 'medium', 'high'])
  priority?: 'low' | 'medium' | 'high';
}

export class CrmPropertyConfigDto {
  @ApiProperty({ example: 'corridor_offer', description: 'HubSpot property / Salesforce field API name' })
  @Matches(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, { message: 'property must be a CRM field name (letters, digits, _)' })
  property: string;

  @ApiProperty({ example: 'renewal_discount', description: 'May hold placeholders' })
  @IsString()
  @MaxLength(1000)
  value: string;
}

export class CrmListConfigDto {
  @ApiProperty({ example: '42', description: 'HubSpot static list id or Salesforce campaign id' })
  @Matches(/^[A-Za-z0-9_-]{1,100}$/, { message: 'listId must hold letters, digits, _ and - (1-100)' })
  listId: string;
}

export class AgentScriptConfigDto {
  @ApiProperty({ example: 'Thank {{customer.first_name}} for being with us since…', description: 'What the agent reads out; may hold placeholders' })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  script: string;
}

export class NoActionConfigDto {}

export const CONFIG_CLASSES = {
  webhook: WebhookConfigDto,
  crm_task: CrmTaskConfigDto,
  crm_property: CrmPropertyConfigDto,
  crm_list: CrmListConfigDto,
  agent_script: AgentScriptConfigDto,
  no_action: NoActionConfigDto,
} as const;

/** Config fields that are templates (checked for placeholders like the webhook payload). */
export const TEMPLATE_FIELDS: Record<keyof typeof CONFIG_CLASSES, string[]> = {
  webhook: ['payloadTemplate'],
  crm_task: ['subject', 'body'],
  crm_property: ['value'],
  crm_list: [],
  agent_script: ['script'],
  no_action: [],
};
