// Request values to domain values. Each function names the field and the
// value in its 400, with the accepted form, so a client knows what to send.
import { invalidField } from '../errors.js';
import { canonicalMac, invalidIpReason, MAC_FORMS } from './device.js';
import {
  addMinutes,
  formatIsoInstant,
  type Instant,
  isDateOnly,
  nextMidnight,
  type Parsed,
  parseDate,
  parseInstant,
  parsePeriod,
  type Period,
  periodWindow,
  type Window,
} from './time.js';

/** Recorded instants may run ahead of this clock by at most this much. */
export const MAX_FUTURE_MINUTES = 5;

function valueOf<T>(field: string, text: string, parsed: Parsed<T>): T {
  if (!parsed.ok) throw invalidField(field, text, parsed.reason);
  return parsed.value;
}

export function readMac(field: string, text: string): string {
  const mac = canonicalMac(text);
  if (mac === null) throw invalidField(field, text, `expected ${MAC_FORMS}`);
  return mac;
}

export function readIp(field: string, text: string): string {
  const address = text.trim();
  const reason = invalidIpReason(address);
  if (reason !== null) throw invalidField(field, text, reason);
  return address;
}

/** Reads free text; Postgres text cannot store the NUL character. */
export function readText(field: string, text: string): string {
  if (text.includes('\u0000')) {
    throw invalidField(field, text, 'it contains a NUL character, which cannot be stored');
  }
  return text;
}

/** Reads an instant that a request records; it may not lie in the future. */
export function readRecordedInstant(
  field: string,
  text: string,
  zone: string,
  now: Instant,
): Instant {
  const instant = valueOf(field, text, parseInstant(text, zone));
  const latest = addMinutes(now, MAX_FUTURE_MINUTES);
  if (instant > latest) {
    throw invalidField(field, text,
      `it lies more than ${MAX_FUTURE_MINUTES} minutes in the future ` +
      `(now is ${formatIsoInstant(now, zone)}); sessions record what happened`);
  }
  return instant;
}

/** Reads `YYYY-MM-DD` as local midnight in the zone. */
export function readDate(field: string, text: string, zone: string): Instant {
  return valueOf(field, text, parseDate(text, zone));
}

/** Restores a `+` offset that a query string decoded as a space. */
function restorePlusOffset(text: string): string {
  return text.trim().replace(/([T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?) (\d{2}(?::?\d{2})?)$/i, '$1+$2');
}

/**
 * Reads a calendar bound: a date means local midnight, and a date-only end
 * means the next midnight so that the whole day is included. Other values
 * are ISO 8601 instants.
 */
export function readCalendarBound(
  field: string,
  text: string,
  zone: string,
  isEnd: boolean,
): Instant {
  if (isDateOnly(text)) {
    const midnight = readDate(field, text, zone);
    return isEnd ? nextMidnight(midnight, zone) : midnight;
  }
  if (!/^\s*\d{4}-\d{2}-\d{2}[T ]/i.test(text)) {
    throw invalidField(field, text,
      'expected a date YYYY-MM-DD or an ISO 8601 instant such as 2025-08-01T00:00:00+02:00');
  }
  return valueOf(field, text, parseInstant(restorePlusOffset(text), zone));
}

export function readPeriod(field: string, text: string): Period {
  return valueOf(field, text, parsePeriod(text));
}

/**
 * Returns the window of a period up to now. Its end is widened by the
 * tolerance of recorded instants, so a session recorded by a clock slightly
 * ahead of this one still appears.
 */
export function windowUpToNow(period: Period, now: Instant, zone: string): Window {
  const { from } = periodWindow(period, now, zone);
  return { from, to: addMinutes(now, MAX_FUTURE_MINUTES) };
}
