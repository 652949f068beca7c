import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditStore } from '@corridor/persistence';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { AuditEntryDto, AuditPageDto, ListAuditQuery } from './audit.dto';

@ApiTags('audit')
@Controller('v1/audit')
@Roles('admin')
export class AuditController {
  constructor(private readonly audit: AuditStore) {}

  @Get()
  @ApiOperation({
    summary: 'The audit log: every change made by an admin key (who, what, before, after, when), newest first, paged by `before`',
    description: 'Secrets (credentials, webhook and destination secrets, API keys, sealed values) are redacted in request, before and after.',
  })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async list(@Query() q: ListAuditQuery): Promise<AuditPageDto> {
    const page = await this.audit.list({
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      actorKeyId: q.actorKeyId,
      targetType: q.targetType,
      targetId: q.targetId,
      before: q.before,
      limit: q.limit ?? 50,
    });
    return { items: page.items.map(AuditEntryDto.of), next: page.next };
  }
}
