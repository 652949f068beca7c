import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ImportReport, UnknownAttributePolicy } from '@corridor/domain';

export class ImportQueryDto {
  @ApiPropertyOptional({
    enum: ['reject', 'ignore'],
    default: 'reject',
    description: 'What to do with attributes the catalog does not know: reject the row (naming the column) or drop the value',
  })
  @IsOptional()
  @IsIn(['reject', 'ignore'])
  unknown?: UnknownAttributePolicy;
}

export class ImportRowErrorDto {
  @ApiProperty({ example: 12, description: '1-based line of the file (the CSV header is line 1)' })
  line: number;

  @ApiProperty({ example: 'favourite_colour' })
  field: string;

  @ApiProperty({ example: 'unknown attribute "favourite_colour"' })
  message: string;
}

export class ImportReportDto implements ImportReport {
  @ApiProperty({ description: 'Rows read (blank lines aside) = created + updated + unchanged + rejected' })
  received: number;

  @ApiProperty()
  created: number;

  @ApiProperty()
  updated: number;

  @ApiProperty({ description: 'Rows identical to what is stored: not written, not re-segmented' })
  unchanged: number;

  @ApiProperty()
  rejected: number;

  @ApiProperty({ type: [ImportRowErrorDto], description: 'The first 100 problems, in file order' })
  errors: ImportRowErrorDto[];
}
