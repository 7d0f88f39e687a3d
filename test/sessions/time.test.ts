import { IANAZone } from 'luxon';
import t from 'tap';
import {
  formatDuration,
  formatIsoInstant,
  formatWallMinute,
  formatWallSecond,
  type Instant,
  lookupZone,
  nextMidnight,
  parseDate,
  parseInstant,
  parsePeriod,
  PERIOD_FORM,
  type Period,
  periodWindow,
  toSqlInstant,
} from '../../src/sessions/time.js';

const BERLIN = 'Europe/Berlin';
const HOUR = 3_600_000_000n;

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Returns the instant of a `Z` ISO text, read by Date, plus extra micros. */
function utc(text: string, micros = 0n): Instant {
  return BigInt(Date.parse(text)) * 1000n + micros;
}

/** Parses an instant that the test expects to be valid. */
function instant(text: string, zone: string): Instant {
  const parsed = parseInstant(text, zone);
  if (!parsed.ok) throw new Error(`${text} did not parse: ${parsed.reason}`);
  return parsed.value;
}

function date(text: string, zone: string): Instant {
  const parsed = parseDate(text, zone);
  if (!parsed.ok) throw new Error(`${text} did not parse: ${parsed.reason}`);
  return parsed.value;
}

function period(text: string): Period {
  const parsed = parsePeriod(text);
  if (!parsed.ok) throw new Error(`${text} did not parse: ${parsed.reason}`);
  return parsed.value;
}

/** Sets the process zone for one subtest and restores it afterwards. */
function useProcessZone(t: Teardown, zone: string): void {
  const saved = process.env.TZ;
  process.env.TZ = zone;
  t.teardown(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
}

t.test('instant T or space separator', async (t) => {
  const expected = utc('2025-08-01T10:00:00Z');
  t.equal(instant('2025-08-01T10:00:00', 'UTC'), expected);
  t.equal(instant('2025-08-01 10:00:00', 'UTC'), expected);
  t.equal(instant('2025-08-01T10:00', 'UTC'), expected);
  t.equal(instant('2025-08-01 10:00', 'UTC'), expected);
  t.equal(instant('2025-08-01T10:00:07', 'UTC'), utc('2025-08-01T10:00:07Z'));
});

t.test('instant keeps microseconds exactly', async (t) => {
  t.equal(instant('2025-08-01T10:00:00.123Z', 'UTC'), 1_754_042_400_123_000n);
  t.equal(instant('2025-08-01T10:00:00.123456Z', 'UTC'), 1_754_042_400_123_456n);
  t.equal(instant('2025-08-01T10:00:00.000001Z', 'UTC'), 1_754_042_400_000_001n);
  t.equal(instant('2025-08-01 10:00:00.5', 'UTC'), 1_754_042_400_500_000n);
});

t.test('instant offset overrides zone', async (t) => {
  const expected = utc('2025-08-01T08:00:00Z');
  t.equal(instant('2025-08-01T08:00:00Z', BERLIN), expected);
  t.equal(instant('2025-08-01T08:00:00z', BERLIN), expected);
  t.equal(instant('2025-08-01T10:00:00+02:00', 'UTC'), expected);
  t.equal(instant('2025-08-01T10:00:00+0200', 'UTC'), expected);
  t.equal(instant('2025-08-01 10:00+02:00', 'UTC'), expected);
  t.equal(instant('2025-08-01T03:00:00-05:00', BERLIN), expected);
});

t.test('out of range offset rejected', async (t) => {
  for (const text of ['2025-08-01T10:00:00+19:00', '2025-08-01T10:00:00+02:60']) {
    const parsed = parseInstant(text, 'UTC');
    t.equal(parsed.ok, false, text);
  }
});

t.test('naive instant is zone wall time', async (t) => {
  t.equal(instant('2025-08-01T10:00:00', 'UTC'), utc('2025-08-01T10:00:00Z'));
  t.equal(instant('2025-08-01T10:00:00', BERLIN), utc('2025-08-01T08:00:00Z'));
  t.equal(instant('2025-01-15T10:00:00', BERLIN), utc('2025-01-15T09:00:00Z'));
  t.equal(instant('2025-08-01T10:00:00', BERLIN), 1_754_035_200_000_000n);
});

t.test('spring-forward gap rejected', async (t) => {
  const parsed = parseInstant('2025-03-30 02:30', BERLIN);
  t.equal(parsed.ok, false);
  if (!parsed.ok) t.match(parsed.reason, /daylight saving gap/);
  t.equal(instant('2025-03-30 01:59:59', BERLIN), utc('2025-03-30T00:59:59Z'));
  t.equal(instant('2025-03-30 03:00', BERLIN), utc('2025-03-30T01:00:00Z'));
});

t.test('fall-back hour takes earlier instant', async (t) => {
  t.equal(instant('2025-10-26 02:30', BERLIN), utc('2025-10-26T00:30:00Z'));
  t.equal(instant('2025-10-26 02:30', BERLIN), 1_761_438_600_000_000n);
  t.equal(instant('2025-10-26 02:30+01:00', BERLIN), utc('2025-10-26T01:30:00Z'));
});

t.test('impossible date or time rejected', async (t) => {
  const texts = [
    '2025-02-30T10:00', '2025-02-29T10:00', '2025-13-01T10:00',
    '2025-08-00T10:00', '2025-08-01T24:00', '2025-08-01T10:60',
    '2025-08-01T10:00:60',
  ];
  for (const text of texts) {
    const parsed = parseInstant(text, 'UTC');
    t.equal(parsed.ok, false, text);
    if (!parsed.ok) t.match(parsed.reason, /does not exist/, text);
  }
});

t.test('non-ISO instant rejected', async (t) => {
  for (const text of ['', 'yesterday', '2025-08-01', '01.08.2025 10:00', '2025-8-1 10:00']) {
    const parsed = parseInstant(text, 'UTC');
    t.equal(parsed.ok, false, JSON.stringify(text));
    if (!parsed.ok) t.match(parsed.reason, /ISO 8601/);
  }
});

/** Cases that must give the same result under any process zone. */
const zoneFreeCases: Array<[string, () => unknown, unknown]> = [
  ['naive UTC', () => instant('2025-08-01T10:00:00', 'UTC'), utc('2025-08-01T10:00:00Z')],
  ['naive Berlin', () => instant('2025-08-01T10:00:00', BERLIN), utc('2025-08-01T08:00:00Z')],
  ['offset and micros', () => instant('2025-08-01 10:00:00.123456+02:00', 'UTC'),
    utc('2025-08-01T08:00:00Z', 123_456n)],
  ['gap', () => parseInstant('2025-03-30 02:30', BERLIN).ok, false],
  ['fall-back', () => instant('2025-10-26 02:30', BERLIN), utc('2025-10-26T00:30:00Z')],
  ['date UTC', () => date('2025-08-01', 'UTC'), utc('2025-08-01T00:00:00Z')],
  ['date Berlin', () => date('2025-03-30', BERLIN), utc('2025-03-29T23:00:00Z')],
  ['next midnight', () => nextMidnight(date('2025-03-30', BERLIN), BERLIN),
    utc('2025-03-30T22:00:00Z')],
  ['period window', () => periodWindow(period('1 day'), utc('2025-03-30T10:00:00Z'), BERLIN)
    .from, utc('2025-03-29T11:00:00Z')],
  ['wall minute', () => formatWallMinute(utc('2025-08-01T08:00:00Z'), BERLIN),
    '2025-08-01 10:00'],
  ['ISO instant', () => formatIsoInstant(utc('2025-01-01T10:00:00Z'), BERLIN),
    '2025-01-01T11:00:00+01:00'],
];

t.test('results ignore process TZ', async (t) => {
  const zones = [['America/New_York', 300], ['Asia/Kolkata', -330]] as const;
  for (const [zone, winterOffset] of zones) {
    t.test(`process TZ ${zone}`, async (t) => {
      useProcessZone(t, zone);
      // Proves that the process zone really changed for this subtest.
      t.equal(new Date(Date.UTC(2025, 0, 15)).getTimezoneOffset(), winterOffset);
      for (const [name, actual, expected] of zoneFreeCases) {
        t.equal(actual(), expected, name);
      }
    });
  }
});

t.test('date is local midnight', async (t) => {
  t.equal(date('2025-08-01', 'UTC'), utc('2025-08-01T00:00:00Z'));
  t.equal(date('2025-08-01', BERLIN), utc('2025-07-31T22:00:00Z'));
  t.equal(date('2025-01-15', BERLIN), utc('2025-01-14T23:00:00Z'));
  t.equal(date('2024-02-29', 'UTC'), utc('2024-02-29T00:00:00Z'));
});

t.test('impossible date rejected', async (t) => {
  for (const text of ['2025-02-30', '2025-02-29', '2025-04-31', '2025-13-01', '2025-00-10']) {
    const parsed = parseDate(text, 'UTC');
    t.equal(parsed.ok, false, text);
    if (!parsed.ok) t.match(parsed.reason, /does not exist/, text);
  }
  for (const text of ['', '2025-8-1', '2025-08-01T00:00', 'today']) {
    t.equal(parseDate(text, 'UTC').ok, false, JSON.stringify(text));
  }
});

t.test('next midnight on DST days', async (t) => {
  const spring = date('2025-03-30', BERLIN);
  t.equal(nextMidnight(spring, BERLIN) - spring, 23n * HOUR);
  t.equal(nextMidnight(spring, BERLIN), date('2025-03-31', BERLIN));

  const autumn = date('2025-10-26', BERLIN);
  t.equal(nextMidnight(autumn, BERLIN) - autumn, 25n * HOUR);
  t.equal(nextMidnight(autumn, BERLIN), date('2025-10-27', BERLIN));

  const plain = date('2025-08-01', BERLIN);
  t.equal(nextMidnight(plain, BERLIN) - plain, 24n * HOUR);
});

t.test('period units singular and plural', async (t) => {
  const units = ['minute', 'hour', 'day', 'week', 'month', 'year'];
  for (const unit of units) {
    t.same(period(`1 ${unit}`), { amount: 1, unit: `${unit}s` });
    t.same(period(`7 ${unit}s`), { amount: 7, unit: `${unit}s` });
  }
});

t.test('period is case-insensitive', async (t) => {
  t.same(period('7 DAYS'), { amount: 7, unit: 'days' });
  t.same(period('1 Hour'), { amount: 1, unit: 'hours' });
  t.same(period('3 wEeKs'), { amount: 3, unit: 'weeks' });
});

t.test('period amount 1 to 1000', async (t) => {
  t.same(period('1 day'), { amount: 1, unit: 'days' });
  t.same(period('1000 years'), { amount: 1000, unit: 'years' });
  t.equal(parsePeriod('0 days').ok, false);
  t.equal(parsePeriod('1001 days').ok, false);
});

t.test('unknown period lists accepted form', async (t) => {
  const texts = ['0 days', '1001 days', 'fortnight', '7', 'days', '-1 day', '1.5 days', ''];
  for (const text of texts) {
    const parsed = parsePeriod(text);
    t.equal(parsed.ok, false, JSON.stringify(text));
    if (!parsed.ok) {
      t.equal(parsed.reason, `expected ${PERIOD_FORM}`, text);
      t.match(parsed.reason, /N from 1 to 1000/);
      t.match(parsed.reason, /minute\(s\).*year\(s\)/);
    }
  }
});

t.test('1 day across spring-forward', async (t) => {
  const now = instant('2025-03-30T12:00', BERLIN);
  const window = periodWindow(period('1 day'), now, BERLIN);
  t.equal(window.to, now);
  t.equal(window.from, instant('2025-03-29T12:00', BERLIN));
  t.equal(window.to - window.from, 23n * HOUR);
});

t.test('1 day across fall-back', async (t) => {
  const now = instant('2025-10-26T12:00', BERLIN);
  const window = periodWindow(period('1 day'), now, BERLIN);
  t.equal(window.from, instant('2025-10-25T12:00', BERLIN));
  t.equal(window.to - window.from, 25n * HOUR);
});

t.test('1 month from March 31', async (t) => {
  const now = instant('2025-03-31T12:00', BERLIN);
  const window = periodWindow(period('1 month'), now, BERLIN);
  t.equal(window.from, instant('2025-02-28T12:00', BERLIN));
  t.equal(formatWallSecond(window.from, BERLIN), '2025-02-28T12:00:00');
});

t.test('100 years back', async (t) => {
  const now = instant('2025-03-31T12:00', BERLIN);
  const window = periodWindow(period('100 years'), now, BERLIN);
  t.equal(window.from, utc('1925-03-31T11:00:00Z'));
  t.equal(formatWallSecond(window.from, BERLIN), '1925-03-31T12:00:00');
});

t.test('24 hours across DST', async (t) => {
  for (const day of ['2025-03-30', '2025-10-26']) {
    const now = instant(`${day}T12:00`, BERLIN);
    const window = periodWindow(period('24 hours'), now, BERLIN);
    t.equal(window.to - window.from, 24n * HOUR, day);
  }
  const now = instant('2025-03-30T12:00', BERLIN);
  t.equal(periodWindow(period('24 hours'), now, BERLIN).from,
    instant('2025-03-29T11:00', BERLIN));
});

t.test('minutes back keep microseconds', async (t) => {
  const now = utc('2025-08-01T10:00:00Z', 123_456n);
  const window = periodWindow(period('90 minutes'), now, BERLIN);
  t.equal(window.from, utc('2025-08-01T08:30:00Z', 123_456n));
  t.equal(window.to, now);
});

t.test('wall minute and second rendering', async (t) => {
  const summer = utc('2025-08-01T08:00:59.999Z');
  t.equal(formatWallMinute(summer, BERLIN), '2025-08-01 10:00');
  t.equal(formatWallMinute(summer, 'UTC'), '2025-08-01 08:00');
  t.equal(formatWallSecond(summer, BERLIN), '2025-08-01T10:00:59');
  t.equal(formatWallSecond(summer, 'UTC'), '2025-08-01T08:00:59');
  const winter = utc('2025-01-15T09:05:00Z');
  t.equal(formatWallMinute(winter, BERLIN), '2025-01-15 10:05');
  t.equal(formatWallSecond(winter, BERLIN), '2025-01-15T10:05:00');
});

t.test('ISO instant zone offset', async (t) => {
  t.equal(formatIsoInstant(utc('2025-01-15T09:00:00Z'), BERLIN), '2025-01-15T10:00:00+01:00');
  t.equal(formatIsoInstant(utc('2025-08-01T08:00:00Z'), BERLIN), '2025-08-01T10:00:00+02:00');
  t.equal(formatIsoInstant(utc('2025-08-01T08:00:00Z'), 'UTC'), '2025-08-01T08:00:00+00:00');
  t.equal(formatIsoInstant(utc('2025-10-26T00:30:00Z'), BERLIN), '2025-10-26T02:30:00+02:00');
  t.equal(formatIsoInstant(utc('2025-10-26T01:30:00Z'), BERLIN), '2025-10-26T02:30:00+01:00');
});

t.test('offset changes at the exact second of a DST change', async (t) => {
  // Berlin moves from +01:00 to +02:00 at 2026-03-29T01:00:00Z. Each instant
  // is rendered twice, so the second reading comes from remembered offsets.
  const change = utc('2026-03-29T01:00:00Z');
  const cases: [Instant, string][] = [
    [change - 1n, '2026-03-29T01:59:59.999999+01:00'],
    [change - 1_000_000n, '2026-03-29T01:59:59+01:00'],
    [change, '2026-03-29T03:00:00+02:00'],
    [change + 999_999n, '2026-03-29T03:00:00.999999+02:00'],
  ];
  for (const round of ['first', 'again']) {
    for (const [at, text] of cases) t.equal(formatIsoInstant(at, BERLIN), text, `${text} ${round}`);
  }
  // Sydney kept local mean time, +10:04:52, until 1895-01-31T13:55:08Z, a
  // change at a second that is no whole minute of UTC.
  const lmtEnd = utc('1895-01-31T13:55:08Z');
  for (const round of ['first', 'again']) {
    t.equal(formatWallSecond(lmtEnd - 1_000_000n, 'Australia/Sydney'), '1895-01-31T23:59:59', `LMT ${round}`);
    t.equal(formatWallSecond(lmtEnd, 'Australia/Sydney'), '1895-01-31T23:55:08', `+10:00 ${round}`);
  }
});

t.test('remembered offsets equal the zone rules', async (t) => {
  // Instants from 1850 to 2100 in a fixed pseudo-random order, and the
  // seconds either side of DST changes, read through the remembering zone
  // and straight from the rules.
  let state = 7;
  const next = () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
  const from = Date.UTC(1850, 0, 1);
  const to = Date.UTC(2100, 0, 1);
  const changes = [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1), Date.UTC(1895, 0, 31, 13, 55, 8)];
  for (const zone of [BERLIN, 'Australia/Lord_Howe', 'America/St_Johns', 'Australia/Sydney', 'Asia/Kolkata']) {
    const rules = new IANAZone(zone);
    const remembering = lookupZone(zone)!;
    const instants = [
      ...Array.from({ length: 4000 }, () => Math.floor(from + next() * (to - from))),
      ...changes.flatMap((change) => [change - 1000, change - 1, change, change + 999]),
    ];
    let differences = 0;
    for (const ts of [...instants, ...instants]) {
      if (remembering.offset(ts) !== rules.offset(ts)) differences++;
    }
    t.equal(differences, 0, zone);
  }
});

t.test('ISO instant keeps microseconds', async (t) => {
  t.equal(formatIsoInstant(1_754_035_200_123_456n, BERLIN),
    '2025-08-01T10:00:00.123456+02:00');
  t.equal(formatIsoInstant(1_754_035_200_000_001n, BERLIN),
    '2025-08-01T10:00:00.000001+02:00');
  t.equal(formatIsoInstant(1_754_035_200_500_000n, BERLIN),
    '2025-08-01T10:00:00.500000+02:00');
});

t.test('ISO instant round trip', async (t) => {
  const instants = [
    1_754_035_200_123_456n,
    1_754_035_200_000_001n,
    utc('2025-01-15T09:00:00Z'),
    utc('2025-10-26T00:30:00Z', 42n),
    utc('2025-10-26T01:30:00Z', 999_999n),
    utc('1969-07-20T20:17:40Z', 250_000n),
    -1n,
  ];
  for (const zone of ['UTC', BERLIN, 'Asia/Kolkata']) {
    for (const value of instants) {
      const text = formatIsoInstant(value, zone);
      t.equal(instant(text, 'UTC'), value, `${text} in ${zone}`);
    }
  }
});

t.test('duration in whole minutes', async (t) => {
  t.equal(formatDuration(0), '0h 0m');
  t.equal(formatDuration(2 * 3600), '2h 0m');
  t.equal(formatDuration(23 * 3600 + 59 * 60), '23h 59m');
  t.equal(formatDuration(86_400), '1d 0h 0m');
  t.equal(formatDuration(3 * 86_400 + 4 * 3600 + 12 * 60), '3d 4h 12m');
});

t.test('duration rounds down', async (t) => {
  t.equal(formatDuration(59), '0h 0m');
  t.equal(formatDuration(2 * 3600 + 59), '2h 0m');
  t.equal(formatDuration(86_399), '23h 59m');
  t.equal(formatDuration(3 * 86_400 + 4 * 3600 + 12 * 60 + 59), '3d 4h 12m');
});

t.test('SQL instant keeps microseconds', async (t) => {
  t.equal(toSqlInstant(1_754_035_200_123_456n), '2025-08-01T08:00:00.123456Z');
  t.equal(toSqlInstant(1_754_035_200_000_001n), '2025-08-01T08:00:00.000001Z');
  t.equal(toSqlInstant(0n), '1970-01-01T00:00:00.000000Z');
});

t.test('SQL instant before 1970', async (t) => {
  t.equal(toSqlInstant(-1n), '1969-12-31T23:59:59.999999Z');
  t.equal(toSqlInstant(-1_500_000n), '1969-12-31T23:59:58.500000Z');
  t.equal(toSqlInstant(-1_000_000n), '1969-12-31T23:59:59.000000Z');
  t.equal(toSqlInstant(utc('1925-03-31T11:00:00Z', 7n)), '1925-03-31T11:00:00.000007Z');
});

t.test('instant fraction past microseconds is cut', async (t) => {
  const parsed = parseInstant('2025-08-01T10:00:00.1234567890Z', 'UTC');
  t.ok(parsed.ok);
  if (parsed.ok) t.equal(parsed.value, 1754042400123456n);
});

t.test('instant outside years 1 to 9999 rejected', async (t) => {
  const before = parseInstant('0001-01-01T00:00:00+01:00', 'UTC');
  t.notOk(before.ok, 'year 0 in UTC');
  const first = parseInstant('0001-01-01T00:00:00Z', 'UTC');
  t.ok(first.ok, 'the first instant of year 1');
  const last = parseInstant('9999-12-31T23:59:59.999999Z', 'UTC');
  t.ok(last.ok, 'the last microsecond of 9999');
});
