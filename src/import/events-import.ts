// Importers that report events or snapshots rather than whole sessions:
// Zeek DHCP logs, NetAlertX webhook bodies and dnsmasq lease files. They run
// through the same rules as POST /events/create and POST /events/scan.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { ApiError } from '../errors.js';
import { canonicalMac, invalidIpReason } from '../sessions/device.js';
import { type DeviceEvent, type EventEffect, recordEvent } from '../sessions/events.js';
import { MAX_FUTURE_MINUTES } from '../sessions/input.js';
import { MISSING_EVENT } from '../sessions/repository.js';
import type { Snapshot, SnapshotDevice } from '../sessions/scan.js';
import { addMinutes, type Instant, parseInstant } from '../sessions/time.js';
import type { ImportProblem } from './apply.js';
import type { DnsmasqLease } from './dnsmasq.js';
import type { NetAlertXEvent } from './netalertx.js';
import type { ZeekDhcpRow } from './zeek-dhcp.js';

/** An event read from an import file, with the line or record it came from. */
export interface ImportedEvent extends DeviceEvent {
  line: number;
}

export interface EventImportReport {
  applied: Record<Exclude<EventEffect, 'repeat'>, number>;
  present: number;
  skipped: number;
  problems: ImportProblem[];
}

export function emptyEventReport(): EventImportReport {
  return {
    applied: { opened: 0, closed: 0, filled: 0, recorded: 0 },
    present: 0, skipped: 0, problems: [],
  };
}

function byInstant(a: ImportedEvent, b: ImportedEvent): number {
  if (a.at === b.at) return a.line - b.line;
  return a.at < b.at ? -1 : 1;
}

/**
 * Applies events in time order. An event the device's history rejects (a
 * 409) is skipped and reported; a repeat counts as already present.
 */
export async function importEvents(
  db: Kysely<Database>,
  events: ImportedEvent[],
  zone: string,
  report: EventImportReport = emptyEventReport(),
): Promise<EventImportReport> {
  for (const event of [...events].sort(byInstant)) {
    try {
      const result = await recordEvent(db, event, zone);
      if (result.effect === 'repeat') report.present++;
      else report.applied[result.effect]++;
    } catch (error) {
      const reason = rejectionReason(error);
      if (reason === null) throw error;
      report.skipped++;
      report.problems.push({ line: event.line, reason });
    }
  }
  return report;
}

/** Returns why the history or the database rejected an event, or null for other errors. */
function rejectionReason(error: unknown): string | null {
  if (error instanceof ApiError && error.statusCode < 500) return error.message;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))) {
    return 'a value is out of the range the database stores';
  }
  return null;
}

function readDevice(
  line: number,
  macText: string,
  ipText: string | null,
  problems: ImportProblem[],
): { mac: string; ip: string | null } | null {
  const mac = canonicalMac(macText);
  if (mac === null) {
    problems.push({ line, reason: `${macText} is not a MAC address` });
    return null;
  }
  if (ipText !== null && invalidIpReason(ipText) !== null) {
    problems.push({ line, reason: `${ipText} is not an IP address` });
    return null;
  }
  return { mac, ip: ipText };
}

function event(
  line: number,
  device: { mac: string; ip: string | null },
  type: string,
  at: Instant,
  source: string,
  additionalInfo = '',
): ImportedEvent {
  // Postgres text cannot store NUL characters, and additional_info is at most 250.
  const info = additionalInfo.replaceAll('\u0000', '').slice(0, 250);
  return { line, ...device, type, at, additionalInfo: info, pendingAlert: false, source };
}

function compareRows(a: ZeekDhcpRow, b: ZeekDhcpRow): number {
  if (a.ts === b.ts) return a.line - b.line;
  return a.ts < b.ts ? -1 : 1;
}

/** Ten years: no DHCP lease runs longer in practice. */
const MAX_LEASE_SECONDS = 10 * 365 * 86_400;

interface LeaseState {
  device: { mac: string; ip: string | null };
  line: number;
  expectedEnd: Instant;
}

/**
 * Turns Zeek DHCP rows into events: a row whose message types include an
 * ACK opens a session that is expected to end after its lease time, and an
 * ACK before that end renews it. A later RELEASE or DECLINE closes it; with
 * neither, it closes when the lease runs out, once that lies in the past.
 */
export function eventsFromZeek(
  rows: ZeekDhcpRow[],
  now: Instant,
): { events: ImportedEvent[]; problems: ImportProblem[] } {
  const source = 'zeek-dhcp';
  const events: ImportedEvent[] = [];
  const problems: ImportProblem[] = [];
  const open = new Map<string, LeaseState>();
  const sorted = [...rows].sort(compareRows);
  const latest = addMinutes(now, MAX_FUTURE_MINUTES);
  for (const row of sorted) {
    const device = readDevice(row.line, row.mac, row.ip, problems);
    if (!device) continue;
    if (row.ts > latest) {
      problems.push({ line: row.line, reason: 'ts lies in the future; sessions record what happened' });
      continue;
    }
    const leaseSeconds = row.leaseSeconds ?? 0;
    if (!Number.isFinite(leaseSeconds) || leaseSeconds < 0 || leaseSeconds > MAX_LEASE_SECONDS) {
      problems.push({ line: row.line, reason: `lease_time ${row.leaseSeconds} is out of range` });
      continue;
    }
    const state = open.get(device.mac);
    if (state && state.expectedEnd < row.ts) {
      events.push(event(state.line, state.device, 'Disconnected', state.expectedEnd, source));
      open.delete(device.mac);
    }
    if (row.messageTypes.includes('ACK')) {
      const lease = BigInt(Math.round(leaseSeconds * 1_000_000));
      const current = open.get(device.mac);
      if (current) {
        current.expectedEnd = row.ts + lease;
      } else {
        events.push(event(row.line, device, 'Connected', row.ts, source, row.hostname ?? ''));
        open.set(device.mac, { device, line: row.line, expectedEnd: row.ts + lease });
      }
    } else if (['RELEASE', 'DECLINE'].some((type) => row.messageTypes.includes(type))) {
      const current = open.get(device.mac);
      if (current) {
        events.push(event(row.line, current.device, 'Disconnected', row.ts, source));
        open.delete(device.mac);
      }
    }
  }
  for (const state of open.values()) {
    if (state.expectedEnd <= now) {
      events.push(event(state.line, state.device, 'Disconnected', state.expectedEnd, source));
    }
  }
  return { events, problems };
}

/**
 * Turns NetAlertX webhook rows into events. Naive times are wall times in
 * the zone; a time that does not parse or lies in the future is reported.
 */
export function eventsFromNetAlertX(
  rows: NetAlertXEvent[],
  zone: string,
  now: Instant,
): { events: ImportedEvent[]; problems: ImportProblem[] } {
  const events: ImportedEvent[] = [];
  const problems: ImportProblem[] = [];
  const latest = addMinutes(now, MAX_FUTURE_MINUTES);
  for (const row of rows) {
    const line = row.index;
    const device = readDevice(line, row.mac, row.ip, problems);
    if (!device) continue;
    const parsed = parseInstant(row.time, zone);
    if (!parsed.ok) {
      problems.push({ line, reason: `time ${JSON.stringify(row.time)}: ${parsed.reason}` });
    } else if (parsed.value > latest) {
      problems.push({ line, reason: `time ${row.time} lies in the future` });
    } else if (row.type === MISSING_EVENT || row.type.length > 60 || row.type.includes('\u0000')) {
      problems.push({ line, reason: `event type ${JSON.stringify(row.type)} is not accepted` });
    } else {
      events.push(event(line, device, row.type, parsed.value, 'netalertx',
        row.additionalInfo.slice(0, 250)));
    }
  }
  return { events, problems };
}

/**
 * Turns a dnsmasq lease file into a snapshot of source `dnsmasq`: the devices
 * whose lease has not expired (expiry 0 is an infinite lease) are present.
 */
export function snapshotFromDnsmasq(
  leases: DnsmasqLease[],
  now: Instant,
): { snapshot: Snapshot; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const devices = new Map<string, SnapshotDevice>();
  for (const lease of leases) {
    if (lease.expires !== null && lease.expires <= now) continue;
    const device = readDevice(lease.line, lease.mac, lease.ip, problems);
    if (device) devices.set(device.mac, device);
  }
  return { snapshot: { source: 'dnsmasq', at: now, devices: [...devices.values()] }, problems };
}
