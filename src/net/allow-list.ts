import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * A project's allow-list: private hosts and networks that its URL imports and tool connections may
 * reach on purpose (an on-premise CVAT or Label Studio). Entries are a host name (`cvat.internal`),
 * a wildcard host (`*.corp.example`, any subdomain), an address (`10.1.2.3`) or a CIDR (`10.0.0.0/8`).
 */
export interface AllowList {
  /** True when `host` (a name or literal address) may resolve to private addresses. */
  allowsHost(host: string): boolean;
  /** True when the resolved `address` lies in an allowed network. */
  allowsAddress(address: string): boolean;
}

/** Prefixes wider than these would open (nearly) every private target: refused as entries. */
const MIN_PREFIX = { ipv4: 8, ipv6: 7 } as const;
const HOST =
  /^(\*\.)?(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
type Entry = { kind: 'host'; host: string; wildcard: boolean } | { kind: 'cidr'; cidr: Cidr };

/** The entry as stored (lower case, canonical CIDR), or a reason it is not one. */
export function normaliseAllowEntry(raw: string): { entry: string } | { reason: string } {
  const parsed = parseEntry(raw);
  if ('reason' in parsed) return parsed;
  if (parsed.kind === 'host') return { entry: (parsed.wildcard ? '*.' : '') + parsed.host };
  const [ip, bits] = parsed.cidr;
  return { entry: `${ip.toString()}/${bits}` };
}

function parseEntry(raw: string): Entry | { reason: string } {
  const text = raw.trim().toLowerCase();
  if (text.includes('/') || net.isIP(text)) {
    let cidr: Cidr;
    try {
      cidr = text.includes('/') ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), net.isIPv4(text) ? 32 : 128];
    } catch {
      return { reason: 'is neither a host name nor an address or CIDR' };
    }
    const [ip, bits] = cidr;
    if (bits < MIN_PREFIX[ip.kind()])
      return { reason: `a /${bits} network is too wide; the widest allowed is /${MIN_PREFIX[ip.kind()]}` };
    // The network address itself, so 10.1.2.3/8 is stored (and shown) as 10.0.0.0/8.
    const spelt = `${ip.toString()}/${bits}`;
    const network =
      ip.kind() === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(spelt)
        : ipaddr.IPv6.networkAddressFromCIDR(spelt);
    return { kind: 'cidr', cidr: [network, bits] };
  }
  if (!HOST.test(text)) return { reason: 'is neither a host name nor an address or CIDR' };
  const wildcard = text.startsWith('*.');
  return { kind: 'host', host: wildcard ? text.slice(2) : text, wildcard };
}

/** The allow-list of stored (normalised) entries; an unreadable one is skipped, never widened. */
export function compileAllowList(entries: readonly string[]): AllowList {
  const parsed = entries.map(parseEntry).filter((e): e is Entry => !('reason' in e));
  const hosts = parsed.filter((e) => e.kind === 'host');
  const cidrs = parsed.flatMap((e) => (e.kind === 'cidr' ? [e.cidr] : []));
  return {
    allowsHost(host) {
      const h = host.toLowerCase().replace(/\.$/, '');
      if (net.isIP(h)) return this.allowsAddress(h);
      return hosts.some((e) => h === e.host || (e.wildcard && h.endsWith(`.${e.host}`)));
    },
    allowsAddress(address) {
      if (!net.isIP(address)) return false;
      let ip: ipaddr.IPv4 | ipaddr.IPv6;
      try {
        // IPv4-mapped IPv6 is matched as its IPv4, so ::ffff:10.0.0.1 is in 10.0.0.0/8.
        ip = ipaddr.process(address);
      } catch {
        return false;
      }
      return cidrs.some(([net_, bits]) => net_.kind() === ip.kind() && ip.match([net_, bits] as never));
    },
  };
}

export const EMPTY_ALLOW_LIST: AllowList = compileAllowList([]);
