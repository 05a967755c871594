import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may go: only globally routable unicast addresses. Anything else (loopback, private,
 * link-local, shared, documentation, multicast, reserved) is refused unless the operator allows private
 * targets: otherwise a project key could make our workers call the database, cloud metadata or anything
 * else on the inside. An allow-list, because IPv6 has many ways to spell an inside IPv4 address
 * (IPv4-compatible ::a.b.c.d, 6to4 2002::/16, Teredo 2001::/32, NAT64 64:ff9b::/96 and 64:ff9b:1::/48).
 */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

export class TargetRefusedError extends Error {}

/** True unless `address` is a global unicast address (IPv4-mapped IPv6 is judged by its IPv4). */
export function isPrivateAddress(address: string): boolean {
  // net.isIP first: ipaddr.js also reads legacy forms (0x7f.1, 2130706433) that URLs never carry.
  const family = net.isIP(address);
  if (family === 0) return true;
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(family === 6 ? canonicalV6(address) : address);
  } catch {
    return true; // a zone id (fe80::1%eth0) or anything else we cannot judge
  }
  // ipaddr.js names every special-purpose range (RFC 6890 and later); 'unicast' is what is left.
  if (ip.range() !== 'unicast') return true;
  // ...but in IPv6 that includes unassigned space such as ::/96, so require 2000::/3 as well.
  return ip.kind() === 'ipv6' && !ip.match(GLOBAL_UNICAST_V6);
}

/**
 * The hex-only spelling (RFC 5952) of an IPv6 address. ipaddr.js reads any dotted tail as IPv4-mapped,
 * so `::8.8.8.8` (IPv4-compatible, ::/96) would pass as 8.8.8.8; DNS answers arrive spelt that way.
 */
const canonicalV6 = (address: string): string => new URL(`http://[${address}]/`).hostname.slice(1, -1);

type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;
const lookupAll: LookupAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** The URL's host, without IPv6 brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Checks a webhook URL: http(s), no credentials, and unless private targets are allowed, every address
 * its host resolves to is public. Throws TargetRefusedError saying why.
 */
export async function checkTarget(
  raw: string,
  allowPrivate: boolean,
  lookup: LookupAll = lookupAll,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefusedError('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TargetRefusedError('must be http or https');
  if (url.username || url.password) throw new TargetRefusedError('must not carry credentials');
  // Port 0 is no port: connecting to it fails or, on some stacks, reaches something unintended.
  if (url.port === '0') throw new TargetRefusedError('must not use port 0');
  if (!allowPrivate) await assertPublic(hostOf(url), lookup);
  return url;
}

async function assertPublic(host: string, lookup: LookupAll): Promise<void> {
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host)).map((a) => a.address);
    } catch (err) {
      throw new TargetRefusedError(
        `host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? err})`,
      );
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined)
    throw new TargetRefusedError(
      `host ${host} resolves to ${bad}, a private, loopback, link-local or reserved address`,
    );
}

/**
 * A `lookup` for http.request that refuses private addresses at connection time, so a name that
 * resolved to a public address when the endpoint was saved cannot be re-pointed inside (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad)
        return callback(
          new TargetRefusedError(`${hostname} resolves to ${bad.address}, a private address`),
          '',
          0,
        );
      const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
      const chosen = addresses.find((a) => wanted === undefined || a.family === wanted) ?? addresses[0];
      if (!chosen) return callback(new Error(`${hostname} has no address`), '', 0);
      if (options.all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [chosen]);
      callback(null, chosen.address, chosen.family);
    });
  };
}
