import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { DeliveriesService } from './deliveries.service';
import { DeliveryDto, DeliveryIdParams, DeliveryPageDto, ListDeliveriesQuery } from './deliveries.dto';

@ApiTags('deliveries')
@Controller('v1/deliveries')
@Roles('admin')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries by status, newest first (`status=dead`: the dead letters), paged by `before`' })
  @ApiOkResponse({ type: DeliveryPageDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  async list(@Query() q: ListDeliveriesQuery): Promise<DeliveryPageDto> {
    const page = await this.deliveries.list(q.status, q.limit ?? 50, q.before);
    return { items: page.items.map(DeliveryDto.of), next: page.next };
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replay a dead letter: back to pending with a full set of attempts and the same webhook id (receivers deduplicate on it)',
    description: '404 DELIVERY_NOT_FOUND; 409 DELIVERY_NOT_DEAD when the delivery is not dead; 409 CUSTOMER_ERASED when its customer was erased.',
  })
  @ApiOkResponse({ type: DeliveryDto })
  @ApiNotFoundResponse({ type: ApiErrorDto })
  @ApiConflictResponse({ type: ApiErrorDto })
  async replay(@Param() p: DeliveryIdParams): Promise<DeliveryDto> {
    return DeliveryDto.of(await this.deliveries.replay(p.id));
  }
}
