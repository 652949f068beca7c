import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IMPORT_MODES, ImportMode, ImportReport, InterruptedImportReport, UnknownAttributePolicy } from '@corridor/domain';
import { ApiErrorDto } from '../errors/api-error.dto';

export class ImportQueryDto {
  @ApiPropertyOptional({
    enum: ['reject', 'ignore'],
    default: 'reject',
    description: 'What to do with attributes the catalog does not know: reject the row (naming the column) or drop the value',
  })
  @IsOptional()
  @IsIn(['reject', 'ignore'])
  unknown?: UnknownAttributePolicy;

  @ApiPropertyOptional({
    enum: IMPORT_MODES,
    default: 'merge',
    description:
      'merge: a row writes only the attributes it carries (null or an empty CSV cell clears one; a column the file lacks is left alone). ' +
      'replace: a row is the customer\'s whole attribute set (attributes it lacks are removed)',
  })
  @IsOptional()
  @IsIn(IMPORT_MODES)
  mode?: ImportMode;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'false',
    description:
      'true: all or nothing, in one transaction: any rejected row stores nothing (400 IMPORT_ROWS_REJECTED), and a failure part-way rolls back',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  atomic?: 'true' | 'false';
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

export class InterruptedImportReportDto extends ImportReportDto implements InterruptedImportReport {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 1001,
    description: 'Every row up to this line is stored (counted above) or rejected (reported); null when nothing was stored. Send the rows after it again',
  })
  lastStoredLine: number | null;
}

/** 503 (or 500) IMPORT_INTERRUPTED: the import stopped part-way; `report` says what was stored. */
export class ImportInterruptedDto extends ApiErrorDto {
  @ApiProperty({ type: InterruptedImportReportDto })
  report: InterruptedImportReportDto;
}

/** 400 IMPORT_ROWS_REJECTED: an atomic import had rejected rows (in `details` and `report.errors`); nothing was stored. */
export class ImportRowsRejectedDto extends ApiErrorDto {
  @ApiProperty({ type: ImportReportDto })
  report: ImportReportDto;
}
