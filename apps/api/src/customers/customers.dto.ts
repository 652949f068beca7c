import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

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

  @ApiPropertyOptional({ format: 'uuid', description: 'Only with crmId: the connection the id belongs to' })
  @IsOptional()
  @IsUUID()
  connectionId?: string;
}
