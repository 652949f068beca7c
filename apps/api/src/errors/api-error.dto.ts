import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ApiErrorDetailDto {
  @ApiProperty({ example: 'customers[3].id', description: 'The offending field: a name, a dotted path or a JSON path' })
  field: string;

  @ApiProperty({ example: 'id must be a string' })
  message: string;

  @ApiPropertyOptional({ example: 'isString' })
  code?: string;
}

/** Swagger's picture of the one error body (the filter builds it). */
export class ApiErrorDto {
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable, machine-readable' })
  code: string;

  @ApiProperty({ example: 'The request is not valid' })
  message: string;

  @ApiProperty({ type: [ApiErrorDetailDto], description: 'At most 100; detailsOmitted counts the rest' })
  details: ApiErrorDetailDto[];

  @ApiPropertyOptional({ example: 99901, description: 'How many details were left out (present only when some were)' })
  detailsOmitted?: number;
}
