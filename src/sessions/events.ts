// Sessions kept from device events, one device transaction at a time.
// Opening events start a session, closing events end one, and every other
// type is a standalone event that changes no session.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { conflict } from '../errors.js';
import * as repository from './repository.js';
import { MISSING_EVENT, type SessionRow } from './repository.js';
import { addMinutes, formatWallMinute, type Instant, MIN_INSTANT } from './time.js';

export const OPENING_TYPES = ['Connected', 'New Device', 'Down Reconnected'];
export const CLOSING_TYPES = ['Disconnected', 'Device Down'];

/** How far back an orphan disconnection's inferred connection may reach. */
export const ORPHAN_LOOKBACK_MINUTES = 60;

export interface DeviceEvent {
  mac: string;
  ip: string | null;
  type: string;
  at: Instant;
  additionalInfo: string;
  pendingAlert: boolean;
  /** The scanner that reported the event; null for the events API. */
  source: string | null;
}

/**
 * The effect of an event: it opened or closed a session, filled an inferred
 * `<missing event>` end, recorded a standalone event, or changed nothing.
 */
export type EventEffect = 'opened' | 'closed' | 'filled' | 'recorded' | 'repeat';

export interface EventResult {
  effect: EventEffect;
  /** The session the event opened, closed or filled. */
  session: SessionRow | null;
  /** An open session that the opening event closed with `<missing event>`. */
  closed: SessionRow | null;
}

export function isOpeningType(type: string): boolean {
  return OPENING_TYPES.includes(type);
}

export function isClosingType(type: string): boolean {
  return CLOSING_TYPES.includes(type);
}

function result(effect: EventEffect, session: SessionRow | null, closed: SessionRow | null = null) {
  return { effect, session, closed };
}

async function rejectIfOlder(
  trx: Transaction<Database>,
  event: DeviceEvent,
  zone: string,
): Promise<void> {
  const latest = await repository.latestBoundary(trx, event.mac);
  if (latest !== null && event.at < latest) {
    throw conflict(`The ${event.type} event at ${formatWallMinute(event.at, zone)} is older ` +
      `than the latest recorded session bound of ${event.mac} ` +
      `(${formatWallMinute(latest, zone)}) and would rewrite its history: nothing was changed.`);
  }
}

function zeroLength(event: DeviceEvent, zone: string, clash: string) {
  return conflict(`The ${event.type} event at ${formatWallMinute(event.at, zone)} ` +
    `${clash} of ${event.mac} at the same instant: nothing was changed.`);
}

async function applyOpening(
  trx: Transaction<Database>,
  event: DeviceEvent,
  zone: string,
): Promise<EventResult> {
  const repeat = await repository.findSessionStartingAt(trx, event.mac, event.at);
  if (repeat && repeat.connectionType === event.type) return result('repeat', repeat);
  await rejectIfOlder(trx, event, zone);

  let closed: SessionRow | null = null;
  const open = await repository.findOpenSession(trx, event.mac);
  if (open) {
    if (open.start >= event.at) throw zeroLength(event, zone, 'would close the open session');
    closed = await repository.setSessionEnd(trx, open.id, event.at, MISSING_EVENT);
  }
  const session = await repository.insertSession(trx, {
    mac: event.mac,
    ip: event.ip,
    start: event.at,
    end: null,
    connectionType: event.type,
    disconnectionType: null,
    additionalInfo: event.additionalInfo,
    source: event.source,
  });
  return result('opened', session, closed);
}

async function applyClosing(
  trx: Transaction<Database>,
  event: DeviceEvent,
  zone: string,
): Promise<EventResult> {
  const repeat = await repository.findSessionEndingAt(trx, event.mac, event.at);
  if (repeat && repeat.disconnectionType === event.type) return result('repeat', repeat);

  // A late disconnection replaces the end that was inferred for it.
  const inferred = await repository.findMissingEndAround(trx, event.mac, event.at);
  if (inferred) {
    return result('filled', await repository.setSessionEnd(trx, inferred.id, event.at, event.type));
  }
  await rejectIfOlder(trx, event, zone);

  const open = await repository.findOpenSession(trx, event.mac);
  if (open) {
    if (open.start >= event.at) throw zeroLength(event, zone, 'would close the open session');
    return result('closed', await repository.setSessionEnd(trx, open.id, event.at, event.type));
  }
  return result('closed', await insertOrphanSession(trx, event, zone));
}

/**
 * Records a disconnection without a known connection as a session from the
 * later of the previous disconnection and one hour before, so unknown time
 * is never drawn as hours of presence.
 */
async function insertOrphanSession(
  trx: Transaction<Database>,
  event: DeviceEvent,
  zone: string,
): Promise<SessionRow> {
  const previous = await repository.latestBoundary(trx, event.mac);
  const earliest = addMinutes(event.at, -ORPHAN_LOOKBACK_MINUTES);
  const lookback = earliest < MIN_INSTANT ? MIN_INSTANT : earliest;
  const start = previous !== null && previous > lookback ? previous : lookback;
  if (start >= event.at) throw zeroLength(event, zone, 'follows a session end');
  return repository.insertSession(trx, {
    mac: event.mac,
    ip: event.ip,
    start,
    end: event.at,
    connectionType: MISSING_EVENT,
    disconnectionType: event.type,
    additionalInfo: event.additionalInfo,
    source: event.source,
  });
}

async function applyStandalone(
  trx: Transaction<Database>,
  event: DeviceEvent,
): Promise<EventResult> {
  const stored = await repository.insertStandaloneEvent(trx, event);
  return result(stored ? 'recorded' : 'repeat', null);
}

/** Applies one event inside a transaction that holds the device lock. */
export function applyLockedEvent(
  trx: Transaction<Database>,
  event: DeviceEvent,
  zone: string,
): Promise<EventResult> {
  if (isOpeningType(event.type)) return applyOpening(trx, event, zone);
  if (isClosingType(event.type)) return applyClosing(trx, event, zone);
  return applyStandalone(trx, event);
}

/**
 * Records an event and keeps the device's sessions right. Throws a 409
 * ApiError, with nothing changed, when the event would rewrite history.
 */
export function recordEvent(
  db: Kysely<Database>,
  event: DeviceEvent,
  zone: string,
): Promise<EventResult> {
  return db.transaction().execute(async (trx) => {
    await repository.lockDevice(trx, event.mac);
    return applyLockedEvent(trx, event, zone);
  });
}
