import { ApiProperty } from '@nestjs/swagger';

/** What a CRM webhook delivery answers. */
export class WebhookReceiptDto {
  @ApiProperty({ description: 'Events in the delivery' }) received: number;
  @ApiProperty({ description: 'Events not seen before (redeliveries are dropped)' }) accepted: number;
}
