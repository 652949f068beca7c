import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/**
 * Keyset paging over rows with bigint ids, newest first: `limit`, and `before` (the `next` of the
 * previous page). One definition so every such list takes and validates the same parameters.
 */
export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200, description: 'Page size, newest first' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `next` of the previous page: entries older than this id' })
  @IsOptional()
  @Matches(/^[0-9]{1,19}$/, { message: 'before must be the `next` of a previous page (digits)' })
  before?: string;
}
