// The list routes render responses in SQL; the create route and the events
// routes render them in JavaScript (./format.ts). For the same stored rows
// both renderers must give the same text, in every zone and across DST
// changes, microseconds, open sessions and <missing event> sides included.
import t from 'tap';
import {
  toCalendarItem,
  toSessionEventResponse,
  toSessionResponse,
} from '../../src/sessions/format.js';
import {
  databaseKnowsZone,
  eventJsonQuery,
  insertSessionsBulk,
  insertStandaloneEvent,
  listEvents,
  listOverlappingSessions,
  MISSING_EVENT,
  type NewSession,
  sessionJsonQuery,
} from '../../src/sessions/repository.js';
import type { Instant } from '../../src/sessions/time.js';
import { openTestDatabase } from '../helpers.js';

const HOUR = 3_600_000_000n;
const MINUTE = 60_000_000n;
const at = (iso: string): Instant => BigInt(Date.parse(iso)) * 1000n;

/** Zones with DST changes of one hour, half an hour, 45-minute offsets and none. */
const ZONES: { zone: string; changes: string[] }[] = [
  { zone: 'Europe/Berlin', changes: ['2025-03-30', '2025-10-26'] },
  { zone: 'America/New_York', changes: ['2025-03-09', '2025-11-02'] },
  { zone: 'Europe/Dublin', changes: ['2025-03-30', '2025-10-26'] },
  { zone: 'Australia/Lord_Howe', changes: ['2025-04-06', '2025-10-05'] },
  { zone: 'America/St_Johns', changes: ['2025-03-09', '2025-11-02'] },
  { zone: 'Pacific/Chatham', changes: ['2025-04-06', '2025-09-28'] },
  { zone: 'Asia/Kolkata', changes: ['2025-06-01'] },
  { zone: 'UTC', changes: ['2025-01-01'] },
];

/**
 * Sessions every 37 minutes from a day before each change to two days
 * after it, of varying lengths and fractions of a second, each on its own
 * device, with open sessions and <missing event> sides among them.
 */
function sessionsAround(changes: string[]): NewSession[] {
  const sessions: NewSession[] = [];
  for (const change of changes) {
    const first = at(`${change}T00:00:00Z`) - 24n * HOUR;
    for (let step = 0n; step < 72n * 60n / 37n; step++) {
      const index = sessions.length;
      const start = first + step * 37n * MINUTE + BigInt(index % 3) * 123_457n;
      const length = [30n * MINUTE, 95n * MINUTE, 25n * HOUR, 3n * 24n * HOUR + 7n * MINUTE][index % 4]!;
      const open = index % 11 === 0;
      sessions.push({
        mac: `02:00:00:00:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`.toUpperCase(),
        ip: index % 5 === 0 ? null : `10.1.${index >> 8}.${index & 255}`,
        start,
        end: open ? null : start + length + BigInt(index % 7) * 1_000_001n,
        connectionType: index % 13 === 0 ? MISSING_EVENT : 'Connected',
        disconnectionType: open ? null : index % 17 === 0 ? MISSING_EVENT : 'Disconnected',
        additionalInfo: index % 2 === 0 ? '' : `info "${index}"\n\\ é`,
      });
    }
  }
  return sessions;
}

const asText = (value: unknown) => JSON.stringify(value);
/** The items of chunk rows, in list order. */
const itemsOf = (chunks: { json: string }[]): unknown[] =>
  JSON.parse(`[${chunks.map((chunk) => chunk.json).join(',')}]`) as unknown[];

for (const { zone, changes } of ZONES) {
  t.test(`SQL and JavaScript render the same texts in ${zone}`, async (t) => {
    const { db } = await openTestDatabase(t);
    const sessions = sessionsAround(changes);
    await insertSessionsBulk(db, sessions);
    await insertStandaloneEvent(db, {
      mac: sessions[1]!.mac, ip: '10.9.9.9', at: sessions[1]!.start + 90n * MINUTE + 5n,
      type: 'IP Changed', additionalInfo: 'old 10.1.0.1', pendingAlert: false, source: null,
    });
    const window = { from: sessions[0]!.start - HOUR, to: sessions.at(-1)!.start + 5n * 24n * HOUR };
    // A clock inside the data: some open sessions start after it.
    const now = sessions[Math.floor(sessions.length / 2)]!.start + 17n * MINUTE + 999n;
    const render = { zone, now };
    const rows = await listOverlappingSessions(db, { window, now });
    t.ok(rows.length >= sessions.length - 1, `${rows.length} sessions to compare`);

    const selection = { kind: 'overlap' as const, filter: { window, now } };
    const sqlSessions = (await db.executeQuery(sessionJsonQuery(db, selection, 'session', {}, render))).rows;
    t.same(itemsOf(sqlSessions).map(asText),
      rows.map((row) => asText(toSessionResponse(row, zone, now))), 'session objects');

    const sqlCalendar = (await db.executeQuery(sessionJsonQuery(db, selection, 'calendar', {}, render))).rows;
    t.same(itemsOf(sqlCalendar).map(asText),
      rows.map((row) => asText(toCalendarItem(row, zone, now))), 'calendar items');

    const events = await listEvents(db, { window, filter: 'all' });
    const sqlEvents = (await db.executeQuery(eventJsonQuery(db, { window, filter: 'all' }, {}, render))).rows;
    t.ok(events.some((event) => event.type === 'IP Changed'), 'a standalone event is among them');
    t.same(itemsOf(sqlEvents).map(asText),
      events.map((row) => asText(toSessionEventResponse(row, zone))), 'event rows');
  });
}

t.test('the database knows the zones that the service renders in', async (t) => {
  const { db } = await openTestDatabase(t);
  for (const { zone } of ZONES) t.equal(await databaseKnowsZone(db, zone), true, zone);
  t.equal(await databaseKnowsZone(db, 'europe/berlin'), true, 'names are case-insensitive');
  t.equal(await databaseKnowsZone(db, 'Mars/Olympus_Mons'), false, 'an unknown name');
});

t.test('SQL and JavaScript agree on the first and last years and on local mean time', async (t) => {
  const { db } = await openTestDatabase(t);
  const starts = ['0001-01-01T00:00:00.000001Z', '1890-06-01T12:00:00Z', '1969-12-31T23:59:59Z',
    '9999-12-31T22:00:00Z'];
  const sessions: NewSession[] = starts.map((iso, index) => ({
    mac: `02:00:00:00:01:0${index}`, ip: '10.0.0.1', start: at(iso), end: at(iso) + HOUR,
    connectionType: 'Connected', disconnectionType: 'Disconnected', additionalInfo: '',
  }));
  await insertSessionsBulk(db, sessions);
  const window = { from: at('0001-01-01T00:00:00Z'), to: at('9999-12-31T23:59:59Z') };
  const now = at('2025-01-01T00:00:00Z');
  for (const { zone } of ZONES) {
    const rows = await listOverlappingSessions(db, { window, now });
    const selection = { kind: 'overlap' as const, filter: { window, now } };
    const sqlSessions = (await db.executeQuery(
      sessionJsonQuery(db, selection, 'session', {}, { zone, now }))).rows;
    t.same(itemsOf(sqlSessions).map(asText),
      rows.map((row) => asText(toSessionResponse(row, zone, now))), zone);
  }
});
