import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { CustomerStrategyDto, CustomerStrategyQuery } from './customer-strategy.dto';
import { CustomerStrategyService } from './customer-strategy.service';

@ApiTags('customers')
@Controller('v1/customers')
export class CustomerStrategyController {
  constructor(private readonly strategy: CustomerStrategyService) {}

  @Get(':ref/strategy')
  @Roles('agent', 'admin')
  @ApiOperation({
    summary:
      "The agent's view: the customer's persona and why, what each touchpoint (journey order) would do for them now and why " +
      '(option condition, consent, holdout, quiet hours until when, cap reached until when), and recent touchpoint events with decisions and deliveries',
  })
  @ApiParam({ name: 'ref', description: 'The customer, as GET /v1/customers/:ref takes it', example: 'email:ann@x.io' })
  @ApiOkResponse({ type: CustomerStrategyDto })
  view(@Param('ref') ref: string, @Query() query: CustomerStrategyQuery): Promise<CustomerStrategyDto> {
    return this.strategy.view(ref, { events: query.events });
  }
}
