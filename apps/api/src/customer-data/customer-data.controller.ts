import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Audited } from '../audit/audited.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { CustomerExportDto, ErasureDto } from './customer-data.dto';
import { CustomerDataService } from './customer-data.service';

const REF = { name: 'ref', description: 'The customer, as GET /v1/customers/:ref takes it', example: '123' };

@ApiTags('customers')
@Controller('v1/customers')
@Roles('admin')
export class CustomerDataController {
  constructor(private readonly data: CustomerDataService) {}

  @Get(':ref/export')
  // Logged, but not the data: the audit log must not keep a copy of what it hands out.
  @Audited({
    action: 'customer.export',
    targetType: 'customer',
    targetParam: 'ref',
    targetFromResponse: (r) => String((r as CustomerExportDto).customer.id),
    after: (r) => summary(r as CustomerExportDto),
  })
  @ApiOperation({
    summary: 'A customer data request: everything held about one customer (attributes, persona and history, events, decisions, deliveries, outcomes, behaviour, timeline) as JSON',
  })
  @ApiParam(REF)
  @ApiOkResponse({ type: CustomerExportDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  export(@Param('ref') ref: string): Promise<CustomerExportDto> {
    return this.data.export(ref);
  }

  @Post(':ref/erase')
  @HttpCode(200)
  @Audited({ action: 'customer.erase', targetType: 'customer', targetParam: 'ref', targetFromResponse: (r) => (r as ErasureDto).customerId })
  @ApiOperation({
    summary: 'Erase one customer: attributes, event properties, rendered deliveries, decision reasons and outcome comments anonymised; the record stays as a tombstone',
    description:
      'Counts and measures are kept. The next CRM sync leaves the record erased unless the CRM holds a newer version of it (README "Customer data requests").',
  })
  @ApiParam(REF)
  @ApiOkResponse({ type: ErasureDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  erase(@Param('ref') ref: string): Promise<ErasureDto> {
    return this.data.erase(ref);
  }
}

function summary(e: CustomerExportDto) {
  return {
    customerId: String(e.customer.id),
    rows: {
      events: e.events.length,
      decisions: e.decisions.length,
      deliveries: e.deliveries.length,
      outcomes: e.outcomes.length,
      personaHistory: e.personaHistory.length,
    },
  };
}
