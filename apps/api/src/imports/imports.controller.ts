import { Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags, ApiUnsupportedMediaTypeResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { CustomerImportService } from '@corridor/ingest';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Roles } from '../auth/roles.decorator';
import { IMPORT_MEDIA_TYPES, importFormatOf } from './import-format';
import { ImportQueryDto, ImportReportDto } from './imports.dto';

@ApiTags('customers')
@Controller('v1/customers')
export class ImportsController {
  constructor(private readonly imports: CustomerImportService) {}

  /**
   * Reads the raw request stream: the JSON body parser only takes application/json, so these
   * uploads reach us unread and are never held in memory whole.
   */
  @Post('import')
  @Roles('integration')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import customers from JSON Lines or CSV, streamed',
    description:
      'JSON Lines rows: `{"id": "…", "attributes": {…}}` or flat objects (every key but `id`/`external_id` is an attribute). ' +
      'CSV: a header of attribute names plus `id`. Rows are checked one by one; bad rows are reported and skipped, good rows are ' +
      'stored in batches of 1,000 and the created or changed customers are queued for re-segmentation.',
  })
  @ApiConsumes(...IMPORT_MEDIA_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: ImportReportDto })
  @ApiBadRequestResponse({ type: ApiErrorDto, description: 'The CSV header is unusable (nothing was stored)' })
  @ApiUnsupportedMediaTypeResponse({ type: ApiErrorDto })
  async import(@Req() req: Request, @Query() query: ImportQueryDto): Promise<ImportReportDto> {
    const format = importFormatOf(req.headers);
    return this.imports.importCustomers(req, { format, unknown: query.unknown ?? 'reject' });
  }
}
