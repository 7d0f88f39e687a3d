// Parser for the dnsmasq lease file (dnsmasq.leases). It reads text and checks
// the shape of MAC and IP addresses, so the caller owns file access, full
// address validation and turning leases into sessions.
//
// lease_update_file() in dnsmasq's src/lease.c writes one IPv4 lease per line
// as `expiry mac ip hostname client-id`, with `*` for a missing host name or
// client ID. For a hardware type other than Ethernet it writes the type before
// the address (`20-80:00:...`). With DHCPv6 it then writes `duid SERVER-DUID`
// and the IPv6 leases, whose second column is the IAID (`T` first for a
// temporary address) in place of a MAC.

/** One lease line of a dnsmasq lease file. Instants are epoch microseconds (bigint). */
export interface DnsmasqLease {
  line: number; // 1-based line number
  mac: string; // second column as written (not canonicalised)
  ip: string;
  expires: bigint | null; // null for expiry 0, an infinite lease
  hostname: string | null; // null for `*`
}

/** A line that was not returned, with the reason naming the value. */
export interface SkippedLine {
  line: number;
  reason: string;
}

type ParseResult = { leases: DnsmasqLease[]; skipped: SkippedLine[] };

const MICROS_PER_SECOND = 1_000_000n;
const FIELD_NAMES = 'expiry mac ip hostname client-id';
const FIELD_COUNT = 5;
const NONE = '*';
const EXPIRY_PATTERN = /^\d{1,15}$/;
const MAC_PATTERN = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const HARDWARE_TYPE_PATTERN = /^[0-9a-f]{2}-/i;
const IPV4_PATTERN = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_PATTERN = /^(?=.*:)[0-9a-f:.]{2,}$/i;

/**
 * Parses the text of a dnsmasq lease file into its IPv4 leases in file order.
 * Blank lines, `#` lines and the `duid` line are ignored. A line with another
 * field count, an invalid expiry or address, or an IAID or non-Ethernet
 * hardware address in the MAC column goes to `skipped`.
 */
export function parseDnsmasqLeases(text: string): ParseResult {
  const result: ParseResult = { leases: [], skipped: [] };
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (isIgnored(content)) return;
    const parsed = parseLeaseLine(line, content.split(/\s+/));
    if ('reason' in parsed) result.skipped.push(parsed);
    else result.leases.push(parsed);
  });
  return result;
}

function isIgnored(content: string): boolean {
  if (content === '' || content.startsWith('#')) return true;
  return content.split(/\s+/)[0] === 'duid';
}

function parseLeaseLine(line: number, fields: string[]): DnsmasqLease | SkippedLine {
  if (fields.length !== FIELD_COUNT) {
    const reason = `expected ${FIELD_COUNT} fields (${FIELD_NAMES}), found ${fields.length}`;
    return { line, reason };
  }
  const [expiry, mac, ip, hostname] = fields as [string, string, string, string];
  const problems: string[] = [];
  const macProblem = checkMac(mac, ip);
  if (macProblem) problems.push(macProblem);
  if (!IPV4_PATTERN.test(ip) && !IPV6_PATTERN.test(ip)) {
    problems.push(`invalid IP address "${ip}"`);
  }
  if (!EXPIRY_PATTERN.test(expiry)) {
    problems.push(`invalid expiry "${expiry}", expected epoch seconds or 0`);
  }
  if (problems.length > 0) return { line, reason: problems.join('; ') };
  return { line, mac, ip, expires: readExpiry(expiry), hostname: readHostname(hostname) };
}

/** Returns why the MAC column does not contain a MAC, or null when it does. */
function checkMac(mac: string, ip: string): string | null {
  if (MAC_PATTERN.test(mac)) return null;
  if (IPV6_PATTERN.test(ip)) return `DHCPv6 lease ${ip} has IAID "${mac}" in place of a MAC`;
  if (HARDWARE_TYPE_PATTERN.test(mac)) {
    return `hardware address "${mac}" is not an Ethernet MAC`;
  }
  return `invalid MAC "${mac}"`;
}

// NOTE: dnsmasq built with HAVE_BROKEN_RTC writes the lease length, and one
// built with HAVE_LEASEFILE_EXPIRE the seconds left, in place of the expiry.
// This parser reads every nonzero value as epoch seconds.
function readExpiry(expiry: string): bigint | null {
  const seconds = BigInt(expiry);
  return seconds === 0n ? null : seconds * MICROS_PER_SECOND;
}

function readHostname(hostname: string): string | null {
  return hostname === NONE ? null : hostname;
}
