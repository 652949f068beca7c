import { lookup as dnsLookup, LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { checkDestinationAddresses, DestinationAllowList } from '@corridor/domain';

/** dns.lookup's shape with `all: true`: the seam tests use to play a resolver that changes its answer. */
export type ResolveAll = (host: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolveAll: ResolveAll = (host, options, callback) => dnsLookup(host, options, callback);

/**
 * A `lookup` for http(s) agents that refuses, at connect time, any name resolving to a loopback,
 * private, link-local (169.254.169.254 included) or otherwise internal address the allow-list does
 * not cover, IPv4-mapped IPv6 included. Checking the URL before sending is not enough on its own:
 * a name can resolve to a public address for the check and to 127.0.0.1 a moment later for the
 * connection (DNS rebinding). Here the address checked is the address connected to.
 */
export function guardedLookup(allow: DestinationAllowList, resolveAll: ResolveAll = systemResolveAll): LookupFunction {
  return ((host: string, options: LookupOneOptions | LookupAllOptions, callback: (...args: unknown[]) => void) => {
    resolveAll(host, { ...options, all: true } as LookupAllOptions, (err, addresses) => {
      if (err) return callback(err);
      const refused = checkDestinationAddresses(host, addresses.map((a) => a.address), allow);
      if (refused) {
        return callback(Object.assign(new Error(`connection refused by Corridor: ${refused.message}`), { code: refused.code ?? 'DESTINATION_ADDRESS_REFUSED' }));
      }
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  }) as LookupFunction;
}
