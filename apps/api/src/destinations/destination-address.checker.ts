import { lookup } from 'node:dns/promises';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { checkDestinationAddresses, DestinationAllowList, DomainError, parseDestinationUrl, ValidationError } from '@corridor/domain';

const LOOKUP_TIMEOUT_MS = 5000;

/**
 * Refuses destination URLs that are not http(s) or that resolve to loopback, private or
 * link-local addresses (unless DESTINATION_ALLOWED_HOSTS names them). Resolves every address the
 * name has (A and AAAA), since a sender may connect to any of them.
 */
@Injectable()
export class DestinationAddressChecker {
  private readonly allow: DestinationAllowList;

  constructor(config: AppConfig) {
    this.allow = new DestinationAllowList(config.destinationAllowedHosts);
  }

  async check(url: string, field = 'url'): Promise<void> {
    const parsed = parseDestinationUrl(url, field);
    if ('field' in parsed) throw new ValidationError(`${field} cannot be a destination`, [parsed], parsed.code);
    const addresses = parsed.isLiteral ? [parsed.host] : await this.resolve(parsed.host, field);
    const refusal = checkDestinationAddresses(parsed.host, addresses, this.allow, field);
    if (refusal) throw new ValidationError(`${field} cannot be a destination`, [refusal], refusal.code);
  }

  private async resolve(host: string, field: string): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DomainError('DNS_UNAVAILABLE', `Resolving ${host} took longer than ${LOOKUP_TIMEOUT_MS} ms`, 'unavailable')), LOOKUP_TIMEOUT_MS);
    });
    try {
      const answers = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
      return answers.map((a) => a.address);
    } catch (e) {
      if (e instanceof DomainError) throw e;
      const code = (e as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') {
        throw new ValidationError(`${field} cannot be a destination`, [{ field, message: `${host} does not resolve`, code: 'DESTINATION_UNRESOLVABLE' }], 'DESTINATION_UNRESOLVABLE');
      }
      throw new DomainError('DNS_UNAVAILABLE', `Resolving ${host} failed (${code ?? 'unknown error'})`, 'unavailable');
    } finally {
      clearTimeout(timer);
    }
  }
}
