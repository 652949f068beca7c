import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';

/** Each parameter once (a repeated one is a list, refused) and a connection id that is a UUID. */
export class FindCustomersQuery {
  @ApiPropertyOptional({ example: 'ada@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ description: 'The id the CRM (or the import) gives the customer' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  crmId?: string;

  @ApiPropertyOptional({
    example: 'ann l',
    description: 'Customers whose full name ("first last") or last name starts with this, case ignored (at least 2 characters; at most 20 answers, by id)',
  })
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only with crmId: the connection the id belongs to' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;
}

// Response bodies.

export class CustomerDto {
  @ApiProperty({ example: '123', description: "Corridor's id" }) id: string;
  @ApiProperty({ description: 'The CRM connection (or the import pseudo-connection) the customer comes from' }) connectionId: string;
  @ApiProperty({ enum: ['contact', 'lead'] }) crmObject: string;
  @ApiProperty({ description: 'The id the CRM (or the import) gives the customer' }) externalId: string;
  @ApiPropertyOptional({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Catalog attributes by name' }) attributes: Record<string, unknown>;
  @ApiProperty() deleted: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Set when merged away: the surviving customer' }) mergedIntoId: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) dataChangedAt: Date;
}

export class CustomerListDto {
  @ApiProperty({ type: [CustomerDto] }) customers: CustomerDto[];
}

export class CustomerPersonaDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() key: string;
  @ApiProperty({ description: 'As the set that made the assignment named it' }) name: string;
  @ApiProperty() setVersion: number;
  @ApiProperty({ type: String, format: 'date-time' }) evaluatedAt: Date;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Why: {persona: {key, name, index, fallback}, matched: the deciding conditions, rejected: every higher-priority persona with the condition that failed}',
  })
  explanation: unknown;
}

export class PersonaRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) key: string | null;
}

export class PersonaChangeDto {
  @ApiProperty() id: string;
  @ApiPropertyOptional({ nullable: true, type: PersonaRefDto, description: 'null for the first assignment' }) from: PersonaRefDto | null;
  @ApiProperty({ type: PersonaRefDto }) to: PersonaRefDto;
  @ApiProperty() setVersion: number;
  @ApiProperty({ example: 'data_change' }) cause: string;
  @ApiProperty({ type: String, format: 'date-time' }) changedAt: Date;
}

export class CustomerViewDto {
  @ApiProperty({ type: CustomerDto }) customer: CustomerDto;
  @ApiPropertyOptional({ nullable: true, type: CustomerPersonaDto, description: 'null when not assigned (deleted, or not evaluated yet)' }) persona: CustomerPersonaDto | null;
  @ApiProperty({ type: [PersonaChangeDto], description: 'Persona changes, newest first' }) history: PersonaChangeDto[];
}
