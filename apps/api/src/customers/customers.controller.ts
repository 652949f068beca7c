import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Roles } from '../auth/roles.decorator';
import { CustomerListDto, CustomerViewDto, FindCustomersQuery } from './customers.dto';
import { CustomersService, CustomerView } from './customers.service';

@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @Roles('agent', 'admin')
  @ApiOperation({
    summary:
      'Find customers by email, CRM id (merged-away CRM ids resolve to the surviving customer) or name (prefix of the full or last name, at most 20)',
  })
  @ApiOkResponse({ type: CustomerListDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async find(@Query() query: FindCustomersQuery): Promise<CustomerListDto> {
    return { customers: await this.customers.find(query) };
  }

  @Get(':ref')
  @Roles('agent', 'admin')
  @ApiOperation({ summary: "A customer's attributes, persona, the explanation of why, and the persona history" })
  @ApiParam({
    name: 'ref',
    description:
      'The customer: its Corridor id (`123` or `id:123`), `email:ann@x.io`, `<connectionId>:<CRM id>`, ' +
      '`import:<import id>`, or a bare import id that is not all digits and has no ":" (`c-1`). ' +
      '400 INVALID_CUSTOMER_REF names a malformed reference; 409 CUSTOMER_REF_AMBIGUOUS lists the customers an email matches.',
    example: 'email:ann@x.io',
  })
  @ApiOkResponse({ type: CustomerViewDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  view(@Param('ref') ref: string): Promise<CustomerView> {
    return this.customers.viewByRef(ref);
  }
}
