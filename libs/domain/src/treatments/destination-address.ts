import { BlockList, isIP } from 'node:net';
import type { ErrorDetail } from '../errors/domain-error';

/**
 * Where webhook destinations may point. A destination is a URL Corridor POSTs to from inside the
 * network, so a URL naming (or resolving to) an internal address would let an admin key reach
 * services that are not meant to be reachable (SSRF). Only http/https, and every address the host
 * resolves to must be public unless the allow-list names the host or covers the address.
 * The check runs on resolved addresses (DNS can point any name at 127.0.0.1); senders check again
 * at send time, since DNS can change after the destination was saved.
 */

export type AddressClass = 'public' | 'loopback' | 'private' | 'link_local' | 'unspecified' | 'multicast' | 'reserved';

const RANGES: Array<[AddressClass, 'ipv4' | 'ipv6', string, number]> = [
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '100.64.0.0', 10], // carrier-grade NAT
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['link_local', 'ipv4', '169.254.0.0', 16], // includes cloud metadata 169.254.169.254
  ['private', 'ipv4', '172.16.0.0', 12],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['reserved', 'ipv4', '192.0.2.0', 24],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['reserved', 'ipv4', '198.18.0.0', 15],
  ['reserved', 'ipv4', '198.51.100.0', 24],
  ['reserved', 'ipv4', '203.0.113.0', 24],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4], // includes 255.255.255.255
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['private', 'ipv6', 'fc00::', 7],
  ['link_local', 'ipv6', 'fe80::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
  ['reserved', 'ipv6', '2001:db8::', 32],
];

const LISTS = new Map<AddressClass, BlockList>();
for (const [cls, family, net, prefix] of RANGES) {
  if (!LISTS.has(cls)) LISTS.set(cls, new BlockList());
  LISTS.get(cls)!.addSubnet(net, prefix, family);
}

/** The IPv4 address an IPv6 one carries (`::ffff:127.0.0.1`, NAT64 `64:ff9b::7f00:1`), else null. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

/** What kind of address this is (an IPv4-mapped IPv6 address is judged by its IPv4 address). */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '');
  const v4 = isIP(bare) === 6 ? embeddedIpv4(bare) : null;
  const ip = v4 ?? bare;
  const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  if (isIP(ip) === 0) throw new Error(`not an IP address: ${address}`);
  for (const [cls, list] of LISTS) if (list.check(ip, family)) return cls;
  return 'public';
}

/**
 * The allow-list (setting DESTINATION_ALLOWED_HOSTS): host names (exact, case-insensitive), IP
 * addresses and CIDR ranges that destinations may use even though they are not public.
 */
export class DestinationAllowList {
  private readonly hosts = new Set<string>();
  private readonly ranges = new BlockList();

  constructor(readonly entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
      if (cidr && isIP(cidr[1])) this.ranges.addSubnet(cidr[1], Number(cidr[2]), isIP(cidr[1]) === 4 ? 'ipv4' : 'ipv6');
      else if (isIP(entry)) this.ranges.addAddress(entry, isIP(entry) === 4 ? 'ipv4' : 'ipv6');
      else this.hosts.add(entry);
    }
  }

  /** Problems with entries (a bad CIDR, a bad host name): config refuses to start on them. */
  static problems(entries: readonly string[]): string[] {
    const problems: string[] = [];
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
      if (cidr) {
        const family = isIP(cidr[1]);
        if (family === 0 || Number(cidr[2]) > (family === 4 ? 32 : 128)) problems.push(`${JSON.stringify(entry)} is not a CIDR range`);
      } else if (isIP(entry) === 0 && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry)) {
        problems.push(`${JSON.stringify(entry)} is neither a host name, an IP address nor a CIDR range`);
      }
    }
    return problems;
  }

  namesHost(host: string): boolean {
    return this.hosts.has(host.toLowerCase().replace(/\.$/, ''));
  }

  covers(address: string): boolean {
    const v4 = isIP(address) === 6 ? embeddedIpv4(address) : null;
    const ip = v4 ?? address;
    const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
    return this.ranges.check(ip, family) || (v4 !== null && this.ranges.check(address, 'ipv6'));
  }
}

/** The parts of a destination URL that matter here, or the problem with it (field `url`). */
export function parseDestinationUrl(url: string, field = 'url'): { host: string; isLiteral: boolean } | ErrorDetail {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { field, message: 'must be an absolute http or https URL', code: 'DESTINATION_URL_INVALID' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { field, message: `must use http or https, not ${parsed.protocol.replace(/:$/, '')}`, code: 'DESTINATION_URL_SCHEME' };
  }
  if (parsed.username || parsed.password) {
    return { field, message: 'must not carry a user name or password (the signing secret authenticates Corridor)', code: 'DESTINATION_URL_INVALID' };
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) return { field, message: 'must name a host', code: 'DESTINATION_URL_INVALID' };
  return { host, isLiteral: isIP(host) !== 0 };
}

/** Whose addresses are judged: named in a refusal, so it points at the right setting. */
export interface OutboundRule {
  /** What must be public ("destinations", "CRM URLs"). */
  subject: string;
  /** The allow-list setting that can admit an internal address. */
  setting: string;
  /** The refusal's code. */
  code: string;
}

export const DESTINATION_RULE: OutboundRule = { subject: 'destinations', setting: 'DESTINATION_ALLOWED_HOSTS', code: 'DESTINATION_ADDRESS_REFUSED' };
/** CRM base and login URLs (and the instance URL a Salesforce login answers) follow the same rules, with their own allow-list. */
export const CRM_RULE: OutboundRule = { subject: 'CRM URLs', setting: 'CRM_ALLOWED_HOSTS', code: 'CRM_ADDRESS_REFUSED' };

/**
 * Judges the addresses a destination host resolved to: null when every one may be used, else the
 * refusal naming `field`. One internal address among public ones is enough to refuse (a resolver
 * may answer with either).
 */
export function checkDestinationAddresses(
  host: string,
  addresses: readonly string[],
  allow: DestinationAllowList,
  field = 'url',
  rule: OutboundRule = DESTINATION_RULE,
): ErrorDetail | null {
  if (addresses.length === 0) return { field, message: `${host} does not resolve to any address`, code: 'DESTINATION_UNRESOLVABLE' };
  if (allow.namesHost(host)) return null;
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls !== 'public' && !allow.covers(address)) {
      const what = host === address ? address : `${host} resolves to ${address}`;
      return {
        field,
        message: `${what}, a ${cls.replace('_', '-')} address; ${rule.subject} must be public unless ${rule.setting} names them`,
        code: rule.code,
      };
    }
  }
  return null;
}
