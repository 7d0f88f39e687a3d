// Node.js (ICU) and the database each carry a tz database. The service
// compares them for TIMEZONE at start. When they differ, the database
// renders whole device lists.
import t from 'tap';
import {
  databaseZoneReading,
  insertSessionsBulk,
  type NewSession,
} from '../../src/sessions/repository.js';
import { instantFromMillis, zoneOffsetSeconds } from '../../src/sessions/time.js';
import { firstZoneRuleDifference } from '../../src/sessions/zone-rules.js';
import { buildTestApp, fixedClock, openTestDatabase, randomMac, send } from '../helpers.js';

const NOW_MILLIS = Date.UTC(2026, 11, 4);

t.test('rules for UTC agree', async (t) => {
  const { db } = await openTestDatabase(t);
  t.equal(await firstZoneRuleDifference(db, 'UTC', NOW_MILLIS), null);
});

t.test('first differing instant found', async (t) => {
  const { db } = await openTestDatabase(t);
  const change = Date.UTC(2030, 0, 1);
  const shifted = (millis: number, zone: string) =>
    zoneOffsetSeconds(millis, zone) + (millis >= change ? 3600 : 0);
  t.equal(await firstZoneRuleDifference(db, 'UTC', NOW_MILLIS, shifted), instantFromMillis(change));
  const early = Date.UTC(1970, 0, 1, 12);
  const shiftedEarly = (millis: number, zone: string) =>
    zoneOffsetSeconds(millis, zone) + (millis === early ? 60 : 0);
  t.equal(await firstZoneRuleDifference(db, 'UTC', NOW_MILLIS, shiftedEarly), instantFromMillis(early),
    'a difference at one instant');
});

t.test('difference found to the second', async (t) => {
  const { db } = await openTestDatabase(t);
  for (const change of [Date.UTC(2030, 0, 1, 5, 0, 7), Date.UTC(1925, 5, 1, 3, 0, 0), Date.UTC(1850, 3, 2, 1, 2, 3)]) {
    const shifted = (millis: number, zone: string) =>
      zoneOffsetSeconds(millis, zone) + (millis >= change ? 1800 : 0);
    t.equal(await firstZoneRuleDifference(db, 'UTC', NOW_MILLIS, shifted), instantFromMillis(change),
      new Date(change).toISOString());
  }
});

t.test('zone names as the database reads them', async (t) => {
  const { db } = await openTestDatabase(t);
  t.equal(await databaseZoneReading(db, 'IST'), 'abbreviation', 'IST');
  t.equal(await databaseZoneReading(db, 'pst'), 'abbreviation', 'pst');
  t.equal(await databaseZoneReading(db, 'Europe/Berlin'), 'zone', 'Europe/Berlin');
  t.equal(await databaseZoneReading(db, 'europe/berlin'), 'zone', 'europe/berlin');
  t.equal(await databaseZoneReading(db, 'SystemV/EST5EDT'), 'posix', 'SystemV/EST5EDT');
  const ist = await firstZoneRuleDifference(db, 'IST', NOW_MILLIS);
  t.not(ist, null, 'IST is India to Node.js and a fixed +02:00 to the database');
});

t.test('device list rendered by the database alone', async (t) => {
  // With rules that differ, every item comes from the database, so the
  // device route gives the texts of the list route.
  const database = await openTestDatabase(t);
  const mac = randomMac();
  const start = BigInt(Date.UTC(2026, 10, 20)) * 1000n;
  const sessions: NewSession[] = Array.from({ length: 20 }, (_, index) => ({
    mac, ip: '10.0.0.1', start: start + BigInt(index) * 3_600_000_000n + 123_456n,
    end: start + BigInt(index) * 3_600_000_000n + 1_800_000_000n,
    connectionType: 'Connected', disconnectionType: 'Disconnected', additionalInfo: '',
  }));
  await insertSessionsBulk(database.db, sessions);
  const app = await buildTestApp(t, {
    database, clock: fixedClock('2026-12-04T00:00:00Z'), zoneRulesAgree: false,
    env: { TIMEZONE: 'America/Vancouver' },
  });
  const device = await send(app, 'GET', `/sessions/${mac}?period=30%20days`);
  const list = await send(app, 'GET', `/sessions/list?mac=${mac}`);
  t.equal(device.status, 200);
  t.equal(device.json.sessions.length, 20);
  t.same(device.json.sessions, list.json.sessions);
});
