// Time conversion for the whole service. Instants travel as bigint epoch
// microseconds, the precision of Postgres `timestamptz`, because a JavaScript
// Date keeps milliseconds only. Wall times are read and rendered with luxon in
// an explicit IANA zone, so nothing depends on the process TZ.
import { DateTime, IANAZone } from 'luxon';

/** An instant as whole microseconds since 1970-01-01T00:00:00Z. */
export type Instant = bigint;

/** A query window: the instants from `from` (inclusive) to `to` (exclusive). */
export interface Window {
  from: Instant;
  to: Instant;
}

export type PeriodUnit = 'minutes' | 'hours' | 'days' | 'weeks' | 'months' | 'years';

export interface Period {
  amount: number;
  unit: PeriodUnit;
}

/** The outcome of parsing a request value: the value, or why it is invalid. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const MICROS_PER_MILLI = 1000n;
const MICROS_PER_SECOND = 1_000_000n;
const MAX_OFFSET_MINUTES = 18 * 60;

const INSTANT_PATTERN = new RegExp(
  '^(\\d{4})-(\\d{2})-(\\d{2})[T ](\\d{2}):(\\d{2})' +
    '(?::(\\d{2})(?:[.,](\\d+))?)?' +
    '(Z|[+-]\\d{2}(?::?\\d{2})?)?$',
  'i',
);
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const PERIOD_PATTERN =
  /^(\d{1,4}) *(minute|hour|day|week|month|year)s?$/i;

export const PERIOD_FORM =
  'N unit, N from 1 to 1000 and unit one of minute(s), hour(s), day(s), ' +
  'week(s), month(s), year(s), for example "7 days"';

const HOUR_MS = 3_600_000;
/** Hours whose offsets a zone keeps, about two years. */
const REMEMBERED_HOURS = 16_384;

/**
 * An IANA zone that remembers its offset for each hour of UTC in which the
 * offset does not change, and for each second of the other hours. Reading
 * an offset from the platform's zone rules costs microseconds, and luxon
 * and the renderers read them for every date.
 * NOTE: an hour whose first and last seconds have the same offset is taken
 * to have it throughout, which assumes that no zone in the tz database
 * changes its offset twice within one hour.
 */
class RememberingZone extends IANAZone {
  readonly #hours = new Map<number, number>();
  readonly #seconds = new Map<number, number>();

  override offset(ts: number): number {
    const hour = Math.floor(ts / HOUR_MS);
    const known = this.#hours.get(hour);
    if (known !== undefined) return known;
    const second = Math.floor(ts / 1000);
    const ofSecond = this.#seconds.get(second);
    if (ofSecond !== undefined) return ofSecond;
    if (!Number.isFinite(ts)) return super.offset(ts);

    const first = super.offset(hour * HOUR_MS);
    if (first === super.offset(hour * HOUR_MS + HOUR_MS - 1000)) {
      if (this.#hours.size >= REMEMBERED_HOURS) this.#hours.clear();
      this.#hours.set(hour, first);
      return first;
    }
    const offset = super.offset(ts);
    if (this.#seconds.size >= REMEMBERED_HOURS) this.#seconds.clear();
    this.#seconds.set(second, offset);
    return offset;
  }
}

const zones = new Map<string, IANAZone>();

/** Returns the luxon zone for an IANA name, or null when the name is unknown. */
export function lookupZone(name: string): IANAZone | null {
  let zone = zones.get(name);
  if (!zone) {
    if (!IANAZone.isValidZone(name)) return null;
    zone = new RememberingZone(name);
    zones.set(name, zone);
  }
  return zone;
}

function requireZone(name: string): IANAZone {
  const zone = lookupZone(name);
  if (!zone) throw new Error(`Unknown time zone ${name}`);
  return zone;
}

/** Divides and rounds towards negative infinity, as epoch arithmetic needs. */
function floorDiv(value: bigint, divisor: bigint): bigint {
  const quotient = value / divisor;
  return value % divisor < 0n ? quotient - 1n : quotient;
}

export function instantFromMillis(millis: number): Instant {
  return BigInt(Math.trunc(millis)) * MICROS_PER_MILLI;
}

export function instantToMillis(instant: Instant): number {
  return Number(floorDiv(instant, MICROS_PER_MILLI));
}

export function nowInstant(): Instant {
  return instantFromMillis(Date.now());
}

export function addMinutes(instant: Instant, minutes: number): Instant {
  return instant + BigInt(minutes) * 60n * MICROS_PER_SECOND;
}

interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function hasValidFields(fields: WallFields): boolean {
  const { year, month, day, hour, minute, second } = fields;
  if (year < 1 || month < 1 || month > 12) return false;
  if (day < 1 || day > daysInMonth(year, month)) return false;
  return hour <= 23 && minute <= 59 && second <= 59;
}

function wallMillis(fields: WallFields): number {
  const { year, month, day, hour, minute, second } = fields;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/**
 * Resolves a wall time in a zone to epoch milliseconds. Returns null for a
 * wall time inside a spring-forward gap, and the earlier instant for one in a
 * fall-back hour. Candidate offsets are the zone's offsets a day either side.
 */
function resolveWallTime(fields: WallFields, zone: IANAZone): number | null {
  const wall = wallMillis(fields);
  const day = 86_400_000;
  const offsets = new Set([
    zone.offset(wall - day), zone.offset(wall), zone.offset(wall + day),
  ]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const candidate = wall - offset * 60_000;
    if (zone.offset(candidate) === offset) instants.push(candidate);
  }
  return instants.length === 0 ? null : Math.min(...instants);
}

function parseOffsetMinutes(text: string): number | null {
  if (text.toUpperCase() === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (minutes > 59) return null;
  const total = hours * 60 + minutes;
  return total > MAX_OFFSET_MINUTES ? null : sign * total;
}

/** Reads the fraction as microseconds; digits past the sixth are cut. */
function fractionMicros(fraction: string | undefined): bigint {
  if (!fraction) return 0n;
  return BigInt(fraction.slice(0, 6).padEnd(6, '0'));
}

/**
 * Parses an ISO 8601 instant with `T` or a space, optional seconds, fraction
 * and offset. Without an offset the value is a wall time in `zoneName`.
 */
export function parseInstant(text: string, zoneName: string): Parsed<Instant> {
  const match = INSTANT_PATTERN.exec(text.trim());
  if (!match) {
    return {
      ok: false,
      reason: 'expected an ISO 8601 date and time such as 2025-08-01T10:00:00 ' +
        'or 2025-08-01 10:00:00+02:00',
    };
  }
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  const fields: WallFields = {
    year: Number(year), month: Number(month), day: Number(day),
    hour: Number(hour), minute: Number(minute), second: Number(second ?? 0),
  };
  if (!hasValidFields(fields)) {
    return { ok: false, reason: 'the date or time of day does not exist' };
  }
  let millis: number | null;
  if (offset) {
    const offsetMinutes = parseOffsetMinutes(offset);
    if (offsetMinutes === null) {
      return { ok: false, reason: `the UTC offset ${offset} is out of range` };
    }
    millis = wallMillis(fields) - offsetMinutes * 60_000;
  } else {
    millis = resolveWallTime(fields, requireZone(zoneName));
    if (millis === null) {
      return {
        ok: false,
        reason: `the wall time does not exist in ${zoneName} ` +
          '(it falls in a daylight saving gap)',
      };
    }
  }
  return inSupportedRange(instantFromMillis(millis) + fractionMicros(fraction));
}

/** The instants Postgres and this service handle: years 1 to 9999 in UTC. */
export const MIN_INSTANT = instantFromMillis(wallMillis({
  year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0,
}));
const MAX_INSTANT = instantFromMillis(wallMillis({
  year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59,
})) + 999_999n;

/** Tells whether an instant lies in the years 0001 to 9999 in UTC. */
export function isSupportedInstant(instant: Instant): boolean {
  return instant >= MIN_INSTANT && instant <= MAX_INSTANT;
}

function inSupportedRange(instant: Instant): Parsed<Instant> {
  if (!isSupportedInstant(instant)) {
    return { ok: false, reason: 'it lies outside the years 0001 to 9999 in UTC' };
  }
  return { ok: true, value: instant };
}

/** Parses `YYYY-MM-DD` into the instant of local midnight in `zoneName`. */
export function parseDate(text: string, zoneName: string): Parsed<Instant> {
  const match = DATE_PATTERN.exec(text.trim());
  if (!match) return { ok: false, reason: 'expected a date as YYYY-MM-DD' };
  const fields: WallFields = {
    year: Number(match[1]), month: Number(match[2]), day: Number(match[3]),
    hour: 0, minute: 0, second: 0,
  };
  if (!hasValidFields(fields)) {
    return { ok: false, reason: 'the date does not exist in the calendar' };
  }
  return inSupportedRange(startOfDay(fields, requireZone(zoneName)));
}

/** Returns the first instant of a local day, also where midnight is skipped. */
function startOfDay(fields: WallFields, zone: IANAZone): Instant {
  const midnight = resolveWallTime(fields, zone);
  if (midnight !== null) return instantFromMillis(midnight);
  const date = { year: fields.year, month: fields.month, day: fields.day };
  return instantFromMillis(
    DateTime.fromObject(date, { zone }).startOf('day').toMillis(),
  );
}

export function isDateOnly(text: string): boolean {
  return DATE_PATTERN.test(text.trim());
}

/** Returns the local midnight that follows the day starting at `midnight`. */
export function nextMidnight(midnight: Instant, zoneName: string): Instant {
  const zone = requireZone(zoneName);
  const day = DateTime.fromMillis(instantToMillis(midnight), { zone });
  const next = day.plus({ days: 1 });
  return startOfDay(
    { year: next.year, month: next.month, day: next.day, hour: 0, minute: 0, second: 0 },
    zone,
  );
}

/** Adds calendar days in the zone, keeping the wall time of day. */
export function addCalendarDays(instant: Instant, days: number, zoneName: string): Instant {
  const shifted = wallDateTime(instant, zoneName).plus({ days });
  return instantFromMillis(shifted.toMillis()) + (instant - instantFromMillis(instantToMillis(instant)));
}

/** Parses a period such as `7 days`, case-insensitive, N from 1 to 1000. */
export function parsePeriod(text: string): Parsed<Period> {
  const match = PERIOD_PATTERN.exec(text.trim());
  const amount = Number(match?.[1]);
  if (!match || amount < 1 || amount > 1000) {
    return { ok: false, reason: `expected ${PERIOD_FORM}` };
  }
  const unit = `${match[2]!.toLowerCase()}s` as PeriodUnit;
  return { ok: true, value: { amount, unit } };
}

/**
 * Returns the window from `now - period` to `now`. Minutes and hours count
 * elapsed time. Days and longer are calendar units of the zone, so `1 day`
 * back from 12:00 is 12:00 the day before, across a DST change too.
 */
export function periodWindow(period: Period, now: Instant, zoneName: string): Window {
  const zone = requireZone(zoneName);
  const end = DateTime.fromMillis(instantToMillis(now), { zone });
  const start = end.minus({ [period.unit]: period.amount });
  const subMillis = now - instantFromMillis(instantToMillis(now));
  return { from: instantFromMillis(start.toMillis()) + subMillis, to: now };
}

function wallDateTime(instant: Instant, zoneName: string): DateTime {
  return DateTime.fromMillis(instantToMillis(instant), { zone: requireZone(zoneName) });
}

/**
 * Returns the zone's UTC offset in seconds at an instant, by Node's zone
 * rules, read without the remembered offsets of the service's zones.
 */
export function zoneOffsetSeconds(millis: number, zoneName: string): number {
  if (!lookupZone(zoneName)) throw new Error(`Unknown time zone ${zoneName}`);
  return Math.round(IANAZone.create(zoneName).offset(millis) * 60);
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * Computes the wall clock of an instant in the zone, as a Date whose UTC
 * fields are the wall time's, and the zone's offset there in minutes.
 * Offsets are whole seconds, so the rounding is exact.
 */
function wallClock(instant: Instant, zoneName: string): { wall: Date; offset: number } {
  const millis = instantToMillis(instant);
  const offset = requireZone(zoneName).offset(millis);
  return { wall: new Date(millis + Math.round(offset * 60_000)), offset };
}

/** Formats `YYYY-MM-DD` of a wall clock, year 1 BC as 0000. */
function wallDate(wall: Date): string {
  return `${String(wall.getUTCFullYear()).padStart(4, '0')}-${twoDigits(wall.getUTCMonth() + 1)}-` +
    twoDigits(wall.getUTCDate());
}

function wallHourMinute(wall: Date): string {
  return `${twoDigits(wall.getUTCHours())}:${twoDigits(wall.getUTCMinutes())}`;
}

/** Renders `YYYY-MM-DD HH:mm` in the zone. */
export function formatWallMinute(instant: Instant, zoneName: string): string {
  const { wall } = wallClock(instant, zoneName);
  return `${wallDate(wall)} ${wallHourMinute(wall)}`;
}

/** Renders `YYYY-MM-DDTHH:mm:ss` in the zone, without an offset. */
export function formatWallSecond(instant: Instant, zoneName: string): string {
  const { wall } = wallClock(instant, zoneName);
  return `${wallDate(wall)}T${wallHourMinute(wall)}:${twoDigits(wall.getUTCSeconds())}`;
}

/**
 * Renders ISO 8601 with the zone's offset, with microseconds when the instant
 * has any, so that the text parses back to the same instant.
 * NOTE: an offset with seconds, as many zones had in the 19th and early
 * 20th century, is written in whole minutes toward zero, as the database
 * renderer does, so such a text names an instant up to 59 s away.
 */
export function formatIsoInstant(instant: Instant, zoneName: string): string {
  const { wall, offset } = wallClock(instant, zoneName);
  const micros = Number(instant - floorDiv(instant, MICROS_PER_SECOND) * MICROS_PER_SECOND);
  const fraction = micros === 0 ? '' : `.${String(micros).padStart(6, '0')}`;
  const sign = offset >= 0 ? '+' : '-';
  const hours = Math.trunc(Math.abs(offset) / 60);
  const minutes = Math.trunc(Math.abs(offset) % 60);
  return `${wallDate(wall)}T${wallHourMinute(wall)}:${twoDigits(wall.getUTCSeconds())}${fraction}` +
    `${sign}${twoDigits(hours)}:${twoDigits(minutes)}`;
}

/** Renders an instant as UTC ISO text with microseconds, for SQL parameters. */
export function toSqlInstant(instant: Instant): string {
  const seconds = floorDiv(instant, MICROS_PER_SECOND);
  const micros = instant - seconds * MICROS_PER_SECOND;
  const date = new Date(Number(seconds) * 1000);
  // Postgres reads years past 9999 as plain digits, not as ISO's +010000.
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  const rest = date.toISOString().slice(-20, -5);
  return `${year}${rest}.${String(micros).padStart(6, '0')}Z`;
}

/** Reads epoch microseconds as returned by the database (text or number). */
export function instantFromDatabase(value: string | number | bigint): Instant {
  return BigInt(value);
}

export function wholeSecondsBetween(start: Instant, end: Instant): number {
  return Number(floorDiv(end - start, MICROS_PER_SECOND));
}

/** Renders whole minutes, rounded down: `2h 0m`, and from one day `3d 4h 12m`. */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(Math.max(seconds, 0) / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  return days > 0 ? `${days}d ${hours}h ${rest}m` : `${hours}h ${rest}m`;
}
