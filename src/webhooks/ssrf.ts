import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { toBlockList, type Config } from '../config.ts';

/** Where a webhook may be sent: https only unless allowHttp; `allowPrivate` opens named ranges. */
export type SsrfPolicy = { allowHttp: boolean; allowPrivate: BlockList };

const policies = new WeakMap<Config, SsrfPolicy>();
/** The policy of WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE, built once per configuration (API at submit, worker at send). */
export function ssrfPolicyOf(config: Config): SsrfPolicy {
  let policy = policies.get(config);
  if (!policy)
    policies.set(
      config,
      (policy = { allowHttp: config.webhookAllowHttp, allowPrivate: toBlockList(config.webhookAllowPrivate) }),
    );
  return policy;
}

/** A checked target: the URL and the one address to connect to (no second DNS lookup). */
export type CheckedTarget = { url: URL; address: string; family: 4 | 6 };

export class SsrfError extends Error {}

// Everything that is not the public internet: loopback, private, link-local (cloud metadata),
// CGNAT, multicast, documentation/benchmark/reserved, and IPv6 forms that embed an IPv4 address.
const BLOCKED_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
];
const BLOCKED_V6 = [
  '::/96', // unspecified, loopback and IPv4-compatible
  '::ffff:0:0/96', // IPv4-mapped
  '64:ff9b::/96',
  '64:ff9b:1::/48', // NAT64
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16', // discard, IETF (Teredo …), documentation, 6to4
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
];
// One list per family: a BlockList checks an IPv4 address against its IPv6 rules as ::ffff:a.b.c.d, so
// one shared list would refuse every IPv4 address through the IPv4-mapped rule.
function blockList(cidrs: string[], family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), family);
  return list;
}
const BLOCKED = { ipv4: blockList(BLOCKED_V4, 'ipv4'), ipv6: blockList(BLOCKED_V6, 'ipv6') };
const BLOCKED_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data']);

/** Why an address may not be called, or undefined when it may. */
export function refusedAddress(address: string, policy: SsrfPolicy): string | undefined {
  const version = isIP(address);
  if (version === 0) return `${address} is not an IP address`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (policy.allowPrivate.check(address, family)) return undefined;
  if (BLOCKED[family].check(address, family))
    return `${address} is a private, loopback, link-local or reserved address`;
  return undefined;
}

/** Parses and checks the URL without DNS (scheme, credentials, literal addresses, known names). */
export function checkUrlShape(text: string, policy: SsrfPolicy): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SsrfError('must be an absolute URL');
  }
  // WHATWG parsing already turns 0x7f000001, 2130706433 and 0177.0.0.1 into 127.0.0.1 for http(s).
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    throw new SsrfError(policy.allowHttp ? 'must use https or http' : 'must use https');
  }
  if (url.username || url.password) throw new SsrfError('must not contain credentials');
  const host = hostOf(url);
  if (BLOCKED_NAMES.has(host.toLowerCase()) || host.toLowerCase().endsWith('.localhost')) {
    if (!policy.allowPrivate.check('127.0.0.1', 'ipv4')) throw new SsrfError(`${host} is a local name`);
  }
  if (isIP(host)) {
    const reason = refusedAddress(host, policy);
    if (reason) throw new SsrfError(reason);
  }
  return url;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Resolves the URL's host and refuses it unless every address is allowed; returns the address to connect to. */
export async function checkTarget(text: string, policy: SsrfPolicy): Promise<CheckedTarget> {
  const url = checkUrlShape(text, policy);
  const host = hostOf(url);
  const version = isIP(host);
  if (version !== 0) return { url, address: host, family: version as 4 | 6 };
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    throw new SsrfError(`${host} does not resolve`);
  }
  if (addresses.length === 0) throw new SsrfError(`${host} does not resolve`);
  for (const { address } of addresses) {
    const reason = refusedAddress(address, policy);
    if (reason) throw new SsrfError(`${host} resolves to ${reason}`);
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
