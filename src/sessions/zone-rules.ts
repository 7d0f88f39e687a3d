// The service renders some wall times with Node.js's zone rules (ICU) and
// the database renders the rest with its own (the server's tz database, or
// PGlite's). The two can differ when one has rules the other lacks, such
// as a zone's change of law.
import type { Executor } from './repository.js';
import { databaseZoneOffsets } from './repository.js';
import { instantFromMillis, type Instant, zoneOffsetSeconds } from './time.js';

const FROM_MILLIS = Date.UTC(1970, 0, 1);
/** Years after now that the comparison covers. */
const YEARS_AHEAD = 20;

/**
 * Finds the first instant, from 1970 to 20 years ahead, at which Node's and
 * the database's rules give the zone different offsets. Returns null when
 * they agree at every instant compared.
 * NOTE: the instants are 12 hours apart, so rules that differ only for
 * part of a day, such as the hour of a DST change, can go unnoticed.
 */
export async function firstZoneRuleDifference(
  db: Executor,
  zone: string,
  nowMillis: number,
  serviceOffsetSeconds: (millis: number, zone: string) => number = zoneOffsetSeconds,
): Promise<Instant | null> {
  const to = new Date(nowMillis);
  to.setUTCFullYear(to.getUTCFullYear() + YEARS_AHEAD);
  const offsets = await databaseZoneOffsets(db, zone, instantFromMillis(FROM_MILLIS),
    instantFromMillis(to.getTime()), '12 hours');
  const differing = offsets.find(({ atMillis, offsetSeconds }) =>
    serviceOffsetSeconds(atMillis, zone) !== offsetSeconds);
  return differing === undefined ? null : instantFromMillis(differing.atMillis);
}
