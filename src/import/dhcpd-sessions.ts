// ISC dhcpd leases as sessions: the hardware address and IP of a lease,
// `starts` as the connection and `ends` as the disconnection. An active
// lease whose end is still in the future is an open session.
import { canonicalMac, invalidIpReason } from '../sessions/device.js';
import { MAX_FUTURE_MINUTES } from '../sessions/input.js';
import { addMinutes, formatIsoInstant, type Instant } from '../sessions/time.js';
import type { ImportedSession, ImportProblem } from './apply.js';
import { type DhcpdLease, parseDhcpdLeases } from './dhcpd.js';

const MAX_INFO_LENGTH = 250;

function toSession(lease: DhcpdLease, now: Instant): ImportedSession | ImportProblem {
  const mac = canonicalMac(lease.mac);
  if (mac === null) {
    return { line: lease.line, reason: `lease ${lease.ip}: hardware ethernet ${lease.mac} is not a MAC address` };
  }
  const ipReason = invalidIpReason(lease.ip);
  if (ipReason !== null) {
    return { line: lease.line, reason: `lease ${lease.ip}: ${ipReason}` };
  }
  if (lease.starts > addMinutes(now, MAX_FUTURE_MINUTES)) {
    return {
      line: lease.line,
      reason: `lease ${lease.ip}: starts ${formatIsoInstant(lease.starts, 'UTC')} lies in the ` +
        'future; sessions record what happened',
    };
  }
  const ongoing = lease.ends === null || lease.ends > now;
  const active = lease.bindingState === null || lease.bindingState === 'active';
  if (ongoing && !active) {
    return {
      line: lease.line,
      reason: `lease ${lease.ip}: binding state ${lease.bindingState} with an end in ` +
        'the future; the lease has no known end',
    };
  }
  return {
    line: lease.line,
    mac,
    ip: lease.ip,
    start: lease.starts,
    end: ongoing ? null : lease.ends,
    // Postgres text cannot store NUL, which a hostname escape can produce.
    additionalInfo: (lease.hostname ?? '').replaceAll('\u0000', '').slice(0, MAX_INFO_LENGTH),
  };
}

/**
 * Reads a dhcpd.leases text into sessions and the records it cannot use.
 * `leaseCount` is the number of lease blocks found, usable or not.
 */
export function sessionsFromDhcpdLeases(
  text: string,
  now: Instant,
): { sessions: ImportedSession[]; problems: ImportProblem[]; leaseCount: number } {
  const parsed = parseDhcpdLeases(text);
  const sessions: ImportedSession[] = [];
  const problems: ImportProblem[] = parsed.skipped.map(({ line, reason }) => ({ line, reason }));
  for (const lease of parsed.leases) {
    const result = toSession(lease, now);
    if ('mac' in result) sessions.push(result);
    else problems.push(result);
  }
  return { sessions, problems, leaseCount: parsed.leases.length + parsed.skipped.length };
}
