// The service renders some wall times with Node.js's zone rules (ICU) and
// the database renders the rest with its own (the server's tz database, or
// PGlite's). The two can differ when one has rules the other lacks, such
// as a zone's change of law.
import type { Executor } from './repository.js';
import { databaseZoneOffsets } from './repository.js';
import { instantFromMillis, type Instant, MIN_INSTANT, zoneOffsetSeconds } from './time.js';

/** Years after now that the comparison covers. */
const YEARS_AHEAD = 20;

type ServiceOffsets = (millis: number, zone: string) => number;

/**
 * Spans of the comparison and the time between their samples: sparse while
 * zones kept local mean time or standard time, twice a day once DST rules
 * are common.
 */
function comparedSpans(nowMillis: number): { from: number; to: number; step: string }[] {
  const end = new Date(nowMillis);
  end.setUTCFullYear(end.getUTCFullYear() + YEARS_AHEAD);
  return [
    { from: Number(MIN_INSTANT / 1000n), to: Date.UTC(1900, 0, 1) - 1, step: '30 days' },
    { from: Date.UTC(1900, 0, 1), to: Date.UTC(1970, 0, 1) - 1, step: '1 day' },
    { from: Date.UTC(1970, 0, 1), to: end.getTime(), step: '12 hours' },
  ];
}

async function databaseOffsetAt(db: Executor, zone: string, millis: number): Promise<number> {
  const at = instantFromMillis(millis);
  const [sample] = await databaseZoneOffsets(db, zone, at, at, '1 second');
  return sample!.offsetSeconds;
}

/**
 * Finds the first instant, from year 1 to 20 years ahead, at which Node's
 * and the database's rules give the zone different offsets, to the second.
 * Returns null when they agree at every instant compared.
 * NOTE: the samples are 12 hours apart from 1970, a day from 1900 and 30
 * days before, so rules that differ for less than that can go unnoticed.
 */
export async function firstZoneRuleDifference(
  db: Executor,
  zone: string,
  nowMillis: number,
  serviceOffsetSeconds: ServiceOffsets = zoneOffsetSeconds,
): Promise<Instant | null> {
  let agreed: number | undefined;
  for (const span of comparedSpans(nowMillis)) {
    const samples = await databaseZoneOffsets(db, zone, instantFromMillis(span.from),
      instantFromMillis(span.to), span.step);
    for (const { atMillis, offsetSeconds } of samples) {
      if (serviceOffsetSeconds(atMillis, zone) === offsetSeconds) {
        agreed = atMillis;
        continue;
      }
      if (agreed === undefined) return instantFromMillis(atMillis);
      // Bisects to the first second that differs after the last sample that agreed.
      let low = agreed;
      let high = atMillis;
      while (high - low > 1000) {
        const middle = low + Math.floor((high - low) / 2000) * 1000;
        if (serviceOffsetSeconds(middle, zone) === await databaseOffsetAt(db, zone, middle)) low = middle;
        else high = middle;
      }
      return instantFromMillis(high);
    }
  }
  return null;
}
