import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { destinationAddressProblem } from '@corridor/destinations';
import { DestinationAllowList, ValidationError } from '@corridor/domain';

/**
 * Refuses destination URLs that are not http(s) or that resolve to loopback, private or
 * link-local addresses (unless DESTINATION_ALLOWED_HOSTS names them). The dispatcher checks again
 * before every send, since a name's addresses can change after it was saved.
 */
@Injectable()
export class DestinationAddressChecker {
  private readonly allow: DestinationAllowList;

  constructor(config: AppConfig) {
    this.allow = new DestinationAllowList(config.destinationAllowedHosts);
  }

  async check(url: string, field = 'url'): Promise<void> {
    const refusal = await destinationAddressProblem(url, this.allow, field);
    if (refusal) throw new ValidationError(`${field} cannot be a destination`, [refusal], refusal.code);
  }
}
