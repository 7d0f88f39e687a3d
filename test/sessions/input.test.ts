import t from 'tap';
import { ApiError } from '../../src/errors.js';
import {
  MAX_FUTURE_MINUTES,
  readCalendarBound,
  readDate,
  readIp,
  readMac,
  readPeriod,
  readRecordedInstant,
} from '../../src/sessions/input.js';
import type { Instant } from '../../src/sessions/time.js';

const BERLIN = 'Europe/Berlin';
const NOW = utc('2025-08-01T10:00:00Z');

function utc(text: string, micros = 0n): Instant {
  return BigInt(Date.parse(text)) * 1000n + micros;
}

/** Runs a reader that must fail and returns its 400. */
function rejection(read: () => unknown): ApiError {
  try {
    read();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the value to be rejected');
}

/** Returns the shape of a 400 that names the field and the value as sent. */
function invalidValue(field: string, value: string) {
  const prefix = `Invalid ${field} ${JSON.stringify(value)}: `;
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { statusCode: 400, code: 'invalid_value', message: new RegExp(`^${escaped}`) };
}

t.test('readMac returns the canonical MAC', async (t) => {
  t.equal(readMac('mac', 'aabb.ccdd.eeff'), 'AA:BB:CC:DD:EE:FF');
  t.equal(readMac('mac', 'aa-bb-cc-dd-ee-ff'), 'AA:BB:CC:DD:EE:FF');
  t.equal(readMac('mac', 'INTERNET'), 'Internet');
});

t.test('readMac 400 lists MAC forms', async (t) => {
  const error = rejection(() => readMac('mac', 'aa:bb-cc:dd:ee:ff'));
  t.match(error, invalidValue('mac', 'aa:bb-cc:dd:ee:ff'));
  t.match(error.message, /AA:BB:CC:DD:EE:FF/);
  t.match(error.message, /aabb\.ccdd\.eeff/);
  t.match(error.message, /Internet/);
  t.match(rejection(() => readMac('mac', '')), invalidValue('mac', ''));
});

t.test('readIp returns the address as sent', async (t) => {
  t.equal(readIp('ip', '192.168.1.10'), '192.168.1.10');
  t.equal(readIp('ip', '2001:DB8::1'), '2001:DB8::1');
});

t.test('readIp 400 gives the reason', async (t) => {
  const cases = [
    ['999.1.1.1', /IPv4 or IPv6/],
    ['10.0.0.5/24', /not a network/],
    ['fe80::1%eth0', /zone id/],
    ['', /IPv4 or IPv6/],
  ] as const;
  for (const [text, reason] of cases) {
    const error = rejection(() => readIp('ip', text));
    t.match(error, invalidValue('ip', text));
    t.match(error.message, reason, text);
  }
});

t.test('recorded instant 5 minutes ahead accepted', async (t) => {
  t.equal(MAX_FUTURE_MINUTES, 5);
  const read = (text: string) => readRecordedInstant('start_time', text, 'UTC', NOW);
  t.equal(read('2025-08-01T10:04:00Z'), utc('2025-08-01T10:04:00Z'));
  t.equal(read('2025-08-01T10:05:00Z'), utc('2025-08-01T10:05:00Z'));
  t.equal(read('2025-08-01T09:00:00Z'), utc('2025-08-01T09:00:00Z'));
  t.equal(read('2020-01-01 00:00'), utc('2020-01-01T00:00:00Z'));
});

t.test('recorded instant further ahead rejected', async (t) => {
  for (const text of ['2025-08-01T10:05:00.000001Z', '2025-08-01T10:06:00Z', '2030-01-01T00:00']) {
    const error = rejection(() => readRecordedInstant('end_time', text, 'UTC', NOW));
    t.match(error, invalidValue('end_time', text));
    t.match(error.message, /more than 5 minutes in the future/, text);
    t.match(error.message, /now is 2025-08-01T10:00:00\+00:00/, text);
  }
});

t.test('recorded naive instant uses zone', async (t) => {
  const read = (text: string) => readRecordedInstant('event_time', text, BERLIN, NOW);
  t.equal(read('2025-08-01 12:04'), utc('2025-08-01T10:04:00Z'));
  const error = rejection(() => read('2025-08-01 12:06'));
  t.match(error, invalidValue('event_time', '2025-08-01 12:06'));
  t.match(error.message, /now is 2025-08-01T12:00:00\+02:00/);
});

t.test('unparsable recorded instant is 400', async (t) => {
  const cases = [
    ['yesterday', /ISO 8601/],
    ['2025-02-30T10:00', /does not exist/],
    ['2025-03-30 02:30', /daylight saving gap/],
  ] as const;
  for (const [text, reason] of cases) {
    const error = rejection(() => readRecordedInstant('start_time', text, BERLIN, NOW));
    t.match(error, invalidValue('start_time', text));
    t.match(error.message, reason, text);
  }
});

t.test('readDate reads local midnight', async (t) => {
  t.equal(readDate('start_date', '2024-02-29', 'UTC'), utc('2024-02-29T00:00:00Z'));
  t.equal(readDate('start_date', '2025-08-01', BERLIN), utc('2025-07-31T22:00:00Z'));
  const error = rejection(() => readDate('end_date', '2025-02-30', 'UTC'));
  t.match(error, invalidValue('end_date', '2025-02-30'));
  t.match(error.message, /does not exist/);
});

t.test('calendar date bounds cover day', async (t) => {
  t.equal(readCalendarBound('start', '2025-08-01', BERLIN, false), utc('2025-07-31T22:00:00Z'));
  t.equal(readCalendarBound('end', '2025-08-01', BERLIN, true), utc('2025-08-01T22:00:00Z'));
  t.equal(readCalendarBound('end', '2025-03-30', BERLIN, true), utc('2025-03-30T22:00:00Z'));
});

t.test('calendar bound accepts instants', async (t) => {
  const expected = utc('2025-08-01T08:00:00Z');
  t.equal(readCalendarBound('start', '2025-08-01T10:00:00+02:00', 'UTC', false), expected);
  t.equal(readCalendarBound('start', '2025-08-01T10:00:00 02:00', 'UTC', false), expected);
  t.equal(readCalendarBound('end', '2025-08-01T10:00:00 0200', 'UTC', true), expected);
  t.equal(readCalendarBound('end', '2025-08-01T10:00:00', BERLIN, true), expected);
  t.equal(readCalendarBound('end', '2030-01-01T00:00:00Z', 'UTC', true),
    utc('2030-01-01T00:00:00Z'));
});

t.test('unparsable calendar bound is 400', async (t) => {
  t.match(rejection(() => readCalendarBound('start', 'soon', 'UTC', false)),
    invalidValue('start', 'soon'));
  t.match(rejection(() => readCalendarBound('end', '2025-02-30', 'UTC', true)),
    invalidValue('end', '2025-02-30'));
});

t.test('readPeriod returns the amount and unit', async (t) => {
  t.same(readPeriod('period', '7 days'), { amount: 7, unit: 'days' });
  t.same(readPeriod('period', '1 YEAR'), { amount: 1, unit: 'years' });
});

t.test('readPeriod 400 lists the accepted form', async (t) => {
  for (const text of ['fortnight', '0 days', '1001 days', '1.5 days']) {
    const error = rejection(() => readPeriod('period', text));
    t.match(error, invalidValue('period', text));
    t.match(error.message, /N from 1 to 1000/, text);
    t.match(error.message, /"7 days"/, text);
  }
});
