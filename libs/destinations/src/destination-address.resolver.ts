import { lookup } from 'node:dns/promises';
import { checkDestinationAddresses, DESTINATION_RULE, DestinationAllowList, DomainError, ErrorDetail, OutboundRule, parseDestinationUrl } from '@corridor/domain';

const LOOKUP_TIMEOUT_MS = 5000;

/**
 * Why a destination URL must not be called (not http(s), or a name that resolves to a loopback,
 * private or link-local address the allow-list does not name), or null when it may. Every address
 * of the name is checked (A and AAAA): a sender may connect to any of them. Throws DNS_UNAVAILABLE
 * (transient) when the name cannot be resolved in time.
 */
export async function destinationAddressProblem(url: string, allow: DestinationAllowList, field = 'url', rule: OutboundRule = DESTINATION_RULE): Promise<ErrorDetail | null> {
  const parsed = parseDestinationUrl(url, field);
  if ('field' in parsed) return parsed;
  const addresses = parsed.isLiteral ? [parsed.host] : await resolveAll(parsed.host, field);
  if (!Array.isArray(addresses)) return addresses;
  return checkDestinationAddresses(parsed.host, addresses, allow, field, rule);
}

async function resolveAll(host: string, field: string): Promise<string[] | ErrorDetail> {
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
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { field, message: `${host} does not resolve`, code: 'DESTINATION_UNRESOLVABLE' };
    throw new DomainError('DNS_UNAVAILABLE', `Resolving ${host} failed (${code ?? 'unknown error'})`, 'unavailable');
  } finally {
    clearTimeout(timer);
  }
}
