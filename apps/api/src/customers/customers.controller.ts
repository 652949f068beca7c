import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { FindCustomersQuery } from './customers.dto';
import { CustomersService } from './customers.service';

@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @Roles('agent', 'admin')
  @ApiOperation({ summary: 'Find customers by email or CRM id (merged-away CRM ids resolve to the surviving customer)' })
  async find(@Query() query: FindCustomersQuery) {
    return { customers: await this.customers.find(query) };
  }

  @Get(':id')
  @Roles('agent', 'admin')
  @ApiOperation({ summary: "A customer's attributes, persona, the explanation of why, and the persona history" })
  view(@Param('id') id: string) {
    return this.customers.view(id);
  }
}
