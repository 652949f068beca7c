import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { destinationAddressProblem } from '@corridor/destinations';
import { CRM_RULE, DestinationAllowList, ValidationError } from '@corridor/domain';

/** The URL fields of a connection that say where Corridor connects to. */
const URL_FIELDS = ['basePath', 'loginUrl', 'instanceUrl'] as const;

/**
 * Refuses CRM base, login and instance URLs that resolve to loopback, private or link-local
 * addresses CRM_ALLOWED_HOSTS does not admit: an admin key must not be able to point Corridor's
 * CRM client (carrying a token) at an internal service. The connector checks again on every
 * connection it opens (DNS can change after the save).
 */
@Injectable()
export class CrmAddressChecker {
  private readonly allow: DestinationAllowList;

  constructor(config: AppConfig) {
    this.allow = new DestinationAllowList(config.crmAllowedHosts);
  }

  /** Checks every URL field the request sets; a 400 names the first one refused. */
  async check(dto: Partial<Record<(typeof URL_FIELDS)[number], string>>): Promise<void> {
    for (const field of URL_FIELDS) {
      const url = dto[field];
      if (!url) continue;
      const refusal = await destinationAddressProblem(url, this.allow, field, CRM_RULE);
      if (refusal) throw new ValidationError(`${field} cannot be used for a CRM connection`, [refusal], refusal.code);
    }
  }
}
