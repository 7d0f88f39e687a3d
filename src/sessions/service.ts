// Session writes with the contract's rules: no overlap per device, a later
// session closes the device's open one, and an exact repeat stores nothing.
// Every write for one device runs in one transaction under that device's lock.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { conflict } from '../errors.js';
import * as repository from './repository.js';
import { MISSING_EVENT, type NewSession, type SessionRow } from './repository.js';
import { formatWallMinute } from './time.js';

export type CreateOutcome = 'created' | 'repeat';

export interface CreateResult {
  session: SessionRow;
  outcome: CreateOutcome;
  /** The open session this one closed, if any. */
  closed: SessionRow | null;
}

function describe(row: SessionRow, zone: string): string {
  const start = formatWallMinute(row.start, zone);
  const end = row.end === null ? 'still open' : `to ${formatWallMinute(row.end, zone)}`;
  return `session ${row.id} of ${row.mac} (from ${start} ${end})`;
}

function overlaps(session: NewSession, row: SessionRow): boolean {
  const endsAfterStart = session.end === null || session.end > row.start;
  const startsBeforeEnd = row.end === null || session.start < row.end;
  return endsAfterStart && startsBeforeEnd;
}

/**
 * Stores a session. Returns the stored row of an exact repeat instead of a
 * new one. Throws a 409 ApiError when the session overlaps a closed session,
 * or an open session that began at or after its start.
 */
export async function createSession(
  db: Kysely<Database>,
  session: NewSession,
  zone: string,
): Promise<CreateResult> {
  // A session that overlaps nothing, the usual case, takes one statement.
  // Any overlap, an exact repeat included, takes the full rules below.
  const inserted = await repository.insertSessionIfFree(db, session);
  if (inserted) return { session: inserted, outcome: 'created', closed: null };
  return db.transaction().execute(async (trx) => {
    await repository.lockDevice(trx, session.mac);
    return createLockedSession(trx, session, zone);
  });
}

/**
 * Finds an open session, created by this same request, that a later session
 * has since closed with `<missing event>`: its retry is a repeat too.
 */
async function findClosedOpenRepeat(
  trx: Transaction<Database>,
  session: NewSession,
): Promise<SessionRow | null> {
  if (session.end !== null) return null;
  const stored = await repository.findSessionStartingAt(trx, session.mac, session.start);
  const same = stored !== null
    && stored.disconnectionType === MISSING_EVENT
    && stored.ip === session.ip
    && stored.connectionType === session.connectionType;
  return same ? stored : null;
}

/** Applies the create rules inside a transaction that holds the device lock. */
export async function createLockedSession(
  trx: Transaction<Database>,
  session: NewSession,
  zone: string,
): Promise<CreateResult> {
  const repeat = await repository.findExactSession(trx, session)
    ?? await findClosedOpenRepeat(trx, session);
  if (repeat) return { session: repeat, outcome: 'repeat', closed: null };

  let closed: SessionRow | null = null;
  const open = await repository.findOpenSession(trx, session.mac);
  if (open && overlaps(session, open)) {
    if (session.start <= open.start) {
      throw conflict(`The new session overlaps the open ${describe(open, zone)}, ` +
        'which began at or after its start. Start the new session later, or ' +
        'delete the device\'s sessions first.');
    }
    closed = await repository.setSessionEnd(trx, open.id, session.start, MISSING_EVENT);
  }

  const overlapping = await repository.findOverlappingSession(
    trx, session.mac, session.start, session.end,
  );
  if (overlapping) {
    throw conflict(`The new session overlaps ${describe(overlapping, zone)}. ` +
      'Choose bounds outside it, or delete the device\'s sessions first.');
  }
  const created = await repository.insertSession(trx, session);
  return { session: created, outcome: 'created', closed };
}

/** Deletes the device's sessions under its lock, so no write interleaves. */
export function deleteDeviceSessions(db: Kysely<Database>, mac: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await repository.lockDevice(trx, mac);
    return repository.deleteDeviceSessions(trx, mac);
  });
}
