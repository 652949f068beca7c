import { lookup as dnsLookup, LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, LookupFunction, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkDestinationAddresses, DESTINATION_RULE, DestinationAllowList, OutboundRule } from '@corridor/domain';

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
export function guardedLookup(allow: DestinationAllowList, resolveAll: ResolveAll = systemResolveAll, rule: OutboundRule = DESTINATION_RULE): LookupFunction {
  return ((host: string, options: LookupOneOptions | LookupAllOptions, callback: (...args: unknown[]) => void) => {
    resolveAll(host, { ...options, all: true } as LookupAllOptions, (err, addresses) => {
      if (err) return callback(err);
      const refused = checkDestinationAddresses(host, addresses.map((a) => a.address), allow, 'url', rule);
      if (refused) return callback(refusalError(refused.message, refused.code ?? rule.code));
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  }) as LookupFunction;
}

function refusalError(message: string, code: string): Error {
  return Object.assign(new Error(`connection refused by Corridor: ${message}`), { code });
}

export interface GuardedAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * Keep-alive http and https agents whose every new connection is checked: names through
 * guardedLookup, and IP literals (which Node connects to without any lookup, e.g. an instance URL
 * a login server answers with) against the same rules. For clients that take an agent but no URL
 * check of their own (the CRM clients).
 */
export function guardedAgents(allow: DestinationAllowList, rule: OutboundRule = DESTINATION_RULE, resolveAll: ResolveAll = systemResolveAll): GuardedAgents {
  const lookup = guardedLookup(allow, resolveAll, rule);
  const literalRefusal = (host: string | null | undefined): Error | null => {
    const bare = (host ?? '').replace(/^\[|\]$/g, '');
    if (!isIP(bare)) return null;
    const refused = checkDestinationAddresses(bare, [bare], allow, 'url', rule);
    return refused ? refusalError(refused.message, refused.code ?? rule.code) : null;
  };
  type Create = (options: http.ClientRequestArgs, callback: (err: Error | null, socket: Duplex) => void) => Duplex | null | undefined;
  const guard = (create: Create): Create => (options, callback) => {
    const refused = literalRefusal(options.host ?? options.hostname);
    if (refused) {
      // The agent's callback form: the request fails with this error, no socket is opened.
      process.nextTick(() => callback(refused, undefined as unknown as Socket));
      return undefined;
    }
    return create(options, callback);
  };
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32, lookup });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32, lookup });
  const asCreator = (agent: http.Agent) => agent as unknown as { createConnection: Create };
  asCreator(httpAgent).createConnection = guard(asCreator(httpAgent).createConnection.bind(httpAgent));
  asCreator(httpsAgent).createConnection = guard(asCreator(httpsAgent).createConnection.bind(httpsAgent));
  return { http: httpAgent, https: httpsAgent };
}
