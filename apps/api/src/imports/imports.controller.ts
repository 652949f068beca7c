import { Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { CustomerImportService } from '@corridor/ingest';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Roles } from '../auth/roles.decorator';
import { IMPORT_MEDIA_TYPES, importFormatOf } from './import-format';
import { ImportInterruptedDto, ImportQueryDto, ImportReportDto, ImportRowsRejectedDto } from './imports.dto';

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
      'stored in batches of 1,000 and the created or changed customers are queued for re-segmentation. By default a row updates ' +
      'only the attributes it carries (`mode=merge`); `mode=replace` makes it the whole set. `atomic=true` stores all or nothing. ' +
      'If the import stops part-way, the error body carries `report` (what was stored, through `lastStoredLine`).',
  })
  @ApiExtraModels(ImportInterruptedDto, ImportRowsRejectedDto, ApiErrorDto)
  @ApiConsumes(...IMPORT_MEDIA_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: ImportReportDto })
  @ApiBadRequestResponse({
    description: 'The CSV header is unusable or too long (nothing was stored), or an atomic import had rejected rows (IMPORT_ROWS_REJECTED, nothing stored)',
    schema: { oneOf: [{ $ref: getSchemaPath(ApiErrorDto) }, { $ref: getSchemaPath(ImportRowsRejectedDto) }] },
  })
  @ApiServiceUnavailableResponse({
    type: ImportInterruptedDto,
    description:
      'The database went away part-way: `report` says what was stored (IMPORT_INTERRUPTED); or, by an admin key, after the import but before its audit row (AUDIT_NOT_RECORDED: `report` is the whole import, stored; send it again to write the row)',
  })
  @ApiUnsupportedMediaTypeResponse({ type: ApiErrorDto })
  async import(@Req() req: Request, @Query() query: ImportQueryDto): Promise<ImportReportDto> {
    const format = importFormatOf(req.headers);
    // Stopping early (a bad header, an interruption) must not destroy the request: that would
    // cut the socket and the client would get no answer. Drain what is left instead.
    const body = req.iterator({ destroyOnReturn: false });
    try {
      return await this.imports.importCustomers(body, {
        format,
        unknown: query.unknown ?? 'reject',
        mode: query.mode ?? 'merge',
        atomic: query.atomic === 'true',
      });
    } finally {
      if (!req.readableEnded) req.resume();
    }
  }
}
