// Applies imported sessions to the database. A session already stored counts
// as present, a renewal extends or closes the session it continues, and any
// other session goes through the create rules of POST /sessions/create.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { ApiError } from '../errors.js';
import * as repository from '../sessions/repository.js';
import type { NewSession, SessionRow } from '../sessions/repository.js';
import { createLockedSession } from '../sessions/service.js';
import type { Instant } from '../sessions/time.js';

/** A session read from an import file; `end` is null while it is open. */
export interface ImportedSession {
  /** The line of the source record, for reports. */
  line: number;
  mac: string;
  ip: string | null;
  start: Instant;
  end: Instant | null;
  additionalInfo: string;
}

export interface ImportProblem {
  line: number;
  reason: string;
}

export interface ImportReport {
  created: number;
  updated: number;
  skipped: number;
  present: number;
  problems: ImportProblem[];
}

type Outcome = 'created' | 'updated' | 'present';

const CONNECTED = 'Connected';
const DISCONNECTED = 'Disconnected';

export function emptyReport(): ImportReport {
  return { created: 0, updated: 0, skipped: 0, present: 0, problems: [] };
}

/** Returns the later of two ends, where null (still open) is the latest. */
function laterEnd(a: Instant | null, b: Instant | null): Instant | null {
  if (a === null || b === null) return null;
  return a > b ? a : b;
}

/**
 * Merges renewals within one file: records of one MAC and IP where each
 * starts no later than the previous one ends become one session.
 */
export function mergeRenewals(sessions: ImportedSession[]): ImportedSession[] {
  const sorted = [...sessions].sort((a, b) => {
    if (a.mac !== b.mac) return a.mac < b.mac ? -1 : 1;
    if (a.start === b.start) return 0;
    return a.start < b.start ? -1 : 1;
  });
  const merged: ImportedSession[] = [];
  for (const session of sorted) {
    const previous = merged.at(-1);
    const continues = previous !== undefined
      && previous.mac === session.mac
      && previous.ip === session.ip
      && (previous.end === null || session.start <= previous.end);
    if (continues) {
      previous.end = laterEnd(previous.end, session.end);
      if (session.additionalInfo) previous.additionalInfo = session.additionalInfo;
    } else {
      merged.push({ ...session });
    }
  }
  return merged;
}

function toNewSession(session: ImportedSession): NewSession {
  return {
    mac: session.mac,
    ip: session.ip,
    start: session.start,
    end: session.end,
    connectionType: CONNECTED,
    disconnectionType: session.end === null ? null : DISCONNECTED,
    additionalInfo: session.additionalInfo,
  };
}

/** Extends, reopens or closes the stored session that a renewal continues. */
async function continueSession(
  trx: Transaction<Database>,
  stored: SessionRow,
  session: ImportedSession,
): Promise<Outcome> {
  if (stored.end === null) {
    if (session.end === null) return 'present';
    await repository.setSessionEnd(trx, stored.id, session.end, DISCONNECTED);
    return 'updated';
  }
  const end = laterEnd(stored.end, session.end);
  if (end === stored.end) return 'present';
  await repository.setSessionEnd(trx, stored.id, end, DISCONNECTED);
  return 'updated';
}

async function applySession(
  db: Kysely<Database>,
  session: ImportedSession,
  zone: string,
): Promise<Outcome> {
  return db.transaction().execute(async (trx) => {
    await repository.lockDevice(trx, session.mac);
    const candidate = toNewSession(session);
    if (await repository.findExactSession(trx, candidate)) return 'present';
    const stored = await repository.findContinuedSession(
      trx, session.mac, session.ip, session.start,
    );
    if (stored) return continueSession(trx, stored, session);
    const result = await createLockedSession(trx, candidate, zone);
    return result.outcome === 'created' ? 'created' : 'present';
  });
}

function conflictReason(error: unknown): string | null {
  if (error instanceof ApiError && error.statusCode === 409) return error.message;
  if ((error as { code?: unknown }).code === '23P01') {
    return 'The session would overlap a stored session of this device.';
  }
  return null;
}

/** Sessions per statement of the bulk path. */
const BULK_BATCH = 5_000;

/** Orders sessions by their start; bigint differences do not fit a comparator. */
function byStart(a: ImportedSession, b: ImportedSession): number {
  if (a.start < b.start) return -1;
  if (a.start > b.start) return 1;
  return 0;
}

/**
 * Imports sessions many per statement: the bulk path for seeding, first
 * imports and imports that add newer history. A device takes it when it has
 * no stored session, or when its stored sessions are all closed and every
 * session of it here starts after the latest stored end, so that none can
 * continue, repeat or overlap a stored one. The other devices' sessions,
 * and a batch that still conflicts, go through importSessions, so the
 * result is the same as on the one-by-one path.
 */
export async function importSessionsBulk(
  db: Kysely<Database>,
  sessions: ImportedSession[],
  zone: string,
  report: ImportReport = emptyReport(),
): Promise<ImportReport> {
  // Rows stored in time order put the sessions of one window, over all
  // devices, on neighbouring pages, which the calendar reads.
  const merged = mergeRenewals(sessions).sort(byStart);
  for (let offset = 0; offset < merged.length; offset += BULK_BATCH) {
    const batch = merged.slice(offset, offset + BULK_BATCH);
    const stored = await repository.latestSessionEnds(db, [...new Set(batch.map((s) => s.mac))]);
    const oneByOne = new Set<string>();
    for (const session of batch) {
      if (!stored.has(session.mac)) continue;
      const latest = stored.get(session.mac);
      if (latest === null || latest === undefined || session.start <= latest) oneByOne.add(session.mac);
    }
    const fresh = batch.filter((session) => !oneByOne.has(session.mac));
    const known = batch.filter((session) => oneByOne.has(session.mac));
    try {
      report.created += await repository.insertSessionsBulk(db, fresh.map(toNewSession));
    } catch (error) {
      if (conflictReason(error) === null) throw error;
      for (const session of fresh) known.push(session);
    }
    if (known.length > 0) await importSessions(db, known, zone, report);
  }
  return report;
}

/**
 * Imports sessions one device transaction at a time. A session that
 * conflicts with stored ones is skipped and reported; other errors stop the
 * import, and what was applied before stays.
 */
export async function importSessions(
  db: Kysely<Database>,
  sessions: ImportedSession[],
  zone: string,
  report: ImportReport = emptyReport(),
): Promise<ImportReport> {
  for (const session of mergeRenewals(sessions)) {
    try {
      report[await applySession(db, session, zone)]++;
    } catch (error) {
      const reason = conflictReason(error);
      if (reason === null) throw error;
      report.skipped++;
      report.problems.push({ line: session.line, reason });
    }
  }
  return report;
}
