// Presence snapshots: "of the devices this source watches, exactly these are
// present now". The service derives the events and applies them by the same
// rules as POST /events/create, in one transaction per snapshot.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { conflict } from '../errors.js';
import { applyLockedEvent, type DeviceEvent, type EventEffect } from './events.js';
import * as repository from './repository.js';
import type { SessionRow } from './repository.js';
import { addMinutes, formatIsoInstant, type Instant } from './time.js';

export interface SnapshotDevice {
  mac: string;
  ip: string | null;
}

export interface Snapshot {
  source: string;
  at: Instant;
  devices: SnapshotDevice[];
}

/** An event that a snapshot derived and recorded. */
export interface ScanEvent {
  mac: string;
  ip: string | null;
  type: string;
  at: Instant;
  effect: EventEffect;
}

export interface ScanOptions {
  zone: string;
  /** Minutes after a device was last seen before its session closes. */
  graceMinutes: number;
}

function deviceEvent(snapshot: Snapshot, device: SnapshotDevice, type: string): DeviceEvent {
  return {
    mac: device.mac, ip: device.ip, type, at: snapshot.at,
    additionalInfo: '', pendingAlert: false, source: snapshot.source,
  };
}

async function applyPresent(
  trx: Transaction<Database>,
  snapshot: Snapshot,
  device: SnapshotDevice,
  zone: string,
): Promise<ScanEvent | null> {
  const open = await repository.findOpenSession(trx, device.mac);
  let event: DeviceEvent | null = null;
  if (!open) {
    const known = await repository.isKnownDevice(trx, device.mac);
    event = deviceEvent(snapshot, device, known ? 'Connected' : 'New Device');
  } else {
    // The IP this source saw last, so one change gives one event.
    const presence = await repository.findPresence(trx, snapshot.source, device.mac);
    const previous = presence?.ip ?? open.ip;
    if (device.ip !== null && previous !== device.ip) {
      event = {
        ...deviceEvent(snapshot, device, 'IP Changed'),
        additionalInfo: `Previous IP: ${previous ?? ''}`,
      };
    }
  }
  await repository.markSeen(trx, snapshot.source, device.mac, device.ip, snapshot.at);
  if (!event) return null;
  const result = await applyLockedEvent(trx, event, zone);
  return { mac: event.mac, ip: event.ip, type: event.type, at: event.at, effect: result.effect };
}

/**
 * Closes a session whose device the snapshot misses: at the snapshot without
 * a grace period, else once the grace has passed, dated at the last snapshot
 * that saw the device. A device seen by one snapshot only has no sighting
 * after its start, so its session closes at the first snapshot that missed it.
 */
async function applyAbsent(
  trx: Transaction<Database>,
  snapshot: Snapshot,
  candidate: SessionRow,
  options: ScanOptions,
): Promise<ScanEvent | null> {
  // Read again under the device lock: another writer may have closed it.
  const session = await repository.findOpenSession(trx, candidate.mac);
  if (!session || session.id !== candidate.id || session.source !== snapshot.source) return null;
  let end = snapshot.at;
  if (options.graceMinutes > 0) {
    const presence = await repository.findPresence(trx, snapshot.source, session.mac);
    const seen = presence?.lastSeen ?? session.start;
    if (addMinutes(seen, options.graceMinutes) > snapshot.at) {
      await repository.markMissed(trx, snapshot.source, session.mac, snapshot.at);
      return null;
    }
    end = seen > session.start ? seen : presence?.missedAt ?? snapshot.at;
  }
  const event = { ...deviceEvent(snapshot, session, 'Disconnected'), at: end };
  const result = await applyLockedEvent(trx, event, options.zone);
  return { mac: session.mac, ip: session.ip, type: event.type, at: end, effect: result.effect };
}

/**
 * Applies a snapshot and returns the events it recorded. Throws a 409
 * ApiError, with nothing changed, for a snapshot older than the source's
 * newest one.
 */
export function applySnapshot(
  db: Kysely<Database>,
  snapshot: Snapshot,
  options: ScanOptions,
): Promise<ScanEvent[]> {
  return db.transaction().execute(async (trx) => {
    await repository.lockSource(trx, snapshot.source);
    const latest = await repository.latestSnapshot(trx, snapshot.source);
    if (latest !== null && snapshot.at < latest) {
      throw conflict(`The snapshot of ${formatIsoInstant(snapshot.at, options.zone)} is older ` +
        `than the newest one of source ${snapshot.source} ` +
        `(${formatIsoInstant(latest, options.zone)}): nothing was changed.`);
    }
    const present = new Set(snapshot.devices.map((device) => device.mac));
    const absent = (await repository.listOpenSessionsOfSource(trx, snapshot.source))
      .filter((session) => !present.has(session.mac));

    // Device locks are taken in MAC order, so two snapshots cannot deadlock on
    // each other. Other writers hold one device lock at a time.
    const macs = [...new Set([...present, ...absent.map((session) => session.mac)])].sort();
    for (const mac of macs) await repository.lockDevice(trx, mac);

    const events: ScanEvent[] = [];
    for (const device of snapshot.devices) {
      const event = await applyPresent(trx, snapshot, device, options.zone);
      if (event) events.push(event);
    }
    for (const session of absent) {
      const event = await applyAbsent(trx, snapshot, session, options);
      if (event) events.push(event);
    }
    await repository.markSnapshot(trx, snapshot.source, snapshot.at);
    return events;
  });
}
