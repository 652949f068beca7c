import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiErrorDto } from '../errors/api-error.dto';
import type { Request } from 'express';
import { Public } from '../auth/roles.decorator';
import { WebhookReceiptDto } from './webhook-receipt.dto';
import { WebhooksService } from './webhooks.service';

/** Raw body as received (kept by the JSON parser, see bootstrap.ts): signatures are over bytes, not over the parsed JSON. */
type RawRequest = Request & { rawBody?: Buffer };

/** CRM change notifications. Public routes: each request is verified against the connection's secret instead of an API key. */
@ApiTags('webhooks')
@Controller('v1/webhooks')
@Public()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('hubspot/:connectionId')
  @HttpCode(200)
  @ApiOperation({ summary: 'HubSpot webhook (signature v3 verified; events deduplicated by eventId)' })
  @ApiOkResponse({ type: WebhookReceiptDto })
  @ApiUnauthorizedResponse({ type: ApiErrorDto, description: 'The signature does not verify' })
  hubspot(@Param('connectionId') connectionId: string, @Req() req: RawRequest): Promise<WebhookReceiptDto> {
    return this.webhooks.receiveHubSpot(connectionId, {
      method: req.method,
      uri: this.webhooks.fullUri(req.protocol, req.get('host') ?? '', req.originalUrl),
      // No raw bytes (not a JSON request): nothing can match the signature.
      rawBody: req.rawBody ?? Buffer.alloc(0),
      signature: req.get('x-hubspot-signature-v3'),
      timestamp: req.get('x-hubspot-request-timestamp'),
      body: req.body,
    });
  }

  @Post('salesforce/:connectionId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Salesforce change notifications relay ({changes: [...]}, X-Corridor-Webhook-Secret)' })
  @ApiOkResponse({ type: WebhookReceiptDto })
  @ApiUnauthorizedResponse({ type: ApiErrorDto, description: 'The secret does not match' })
  salesforce(@Param('connectionId') connectionId: string, @Req() req: RawRequest): Promise<WebhookReceiptDto> {
    return this.webhooks.receiveSalesforce(connectionId, req.get('x-corridor-webhook-secret'), req.body);
  }
}
