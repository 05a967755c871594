import dns from 'node:dns';
import net from 'node:net';

/**
 * Where webhooks may go. A URL whose host is, or resolves to, an address in any of these ranges is
 * refused unless the operator allows private targets: otherwise a project key could make our workers
 * call the database, cloud metadata or anything else on the inside.
 */
const BLOCKED = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(network, prefix, 'ipv6');

export class TargetRefusedError extends Error {}

/** True for loopback, private, link-local, shared, documentation, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  // BlockList checks IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) against the IPv4 rules too.
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

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
      `host ${host} resolves to ${bad}, a private, loopback or link-local address`,
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
