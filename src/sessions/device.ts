// Device keys and addresses as the contract defines them: MACs in one
// canonical spelling, the WAN key `Internet`, and single IP addresses.
import { isIP } from 'node:net';

export const INTERNET = 'Internet';

export const MAC_FORMS =
  'a MAC address such as AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff, ' +
  'aabb.ccdd.eeff or aabbccddeeff, or Internet';

const SEPARATED = /^[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i;
const CISCO = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i;
const BARE = /^[0-9a-f]{12}$/i;

/**
 * Returns the canonical form of a device key (upper case, colon separated,
 * or `Internet`), or null when the text is neither a MAC nor `Internet`.
 */
export function canonicalMac(text: string): string | null {
  const value = text.trim();
  if (value.toLowerCase() === 'internet') return INTERNET;
  if (!SEPARATED.test(value) && !CISCO.test(value) && !BARE.test(value)) {
    return null;
  }
  const hex = value.replace(/[:.-]/g, '').toUpperCase();
  return hex.match(/../g)!.join(':');
}

/**
 * Returns why `text` is not a single IPv4 or IPv6 address, or null when it is
 * one. Networks (`10.0.0.5/24`) and IPv6 zone ids (`fe80::1%eth0`) are
 * rejected because the column stores one host address without a zone.
 */
export function invalidIpReason(text: string): string | null {
  if (text.includes('/')) return 'expected one address, not a network';
  if (text.includes('%')) return 'IPv6 zone ids are not accepted';
  if (isIP(text) === 0) return 'expected an IPv4 or IPv6 address';
  return null;
}
