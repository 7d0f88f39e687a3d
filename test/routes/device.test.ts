import t, { type Test } from 'tap';
import { buildTestApp, createSession, fixedClock, openTestDatabase, randomMac, send } from '../helpers.js';

type App = Awaited<ReturnType<typeof buildTestApp>>;

function connections(response: { json: any }): string[] {
  return (response.json?.sessions ?? []).map((session: any) => session.ses_Connection);
}

function assertBadRequest(t: Test, response: Awaited<ReturnType<typeof send>>, texts: string[]) {
  t.equal(response.status, 400);
  t.match(response.headers['content-type'], 'application/json');
  t.equal(response.json?.success, false);
  t.type(response.json?.message, 'string');
  t.type(response.json?.error, 'string');
  for (const text of texts) t.match(response.json?.message, text, `message names ${text}`);
}

/** Shifts an ISO instant by whole minutes and returns it as ISO text in UTC. */
function shiftMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

// All apps share one database, so each case uses its own devices. The first
// app runs in the default zone UTC.
const database = await openTestDatabase(t);
const APP_NOW = '2025-08-10T12:00:00Z';
const app = await buildTestApp(t, { database, clock: fixedClock(APP_NOW) });
// 2025-03-30T12:00 in Berlin, the day clocks go forward at 02:00.
const springForward = await buildTestApp(t, {
  database,
  env: { TIMEZONE: 'Europe/Berlin' },
  clock: fixedClock('2025-03-30T10:00:00Z'),
});
// 2025-10-26T12:00 in Berlin, the day clocks go back at 03:00.
const fallBack = await buildTestApp(t, {
  database,
  env: { TIMEZONE: 'Europe/Berlin' },
  clock: fixedClock('2025-10-26T11:00:00Z'),
});

t.test('device returns formatted sessions', async (t) => {
  const mac = randomMac();
  await createSession(t, app, {
    mac, ip: '192.168.1.10', start_time: '2025-08-10T08:00:00', end_time: '2025-08-10T10:00:00',
  });
  const response = await send(app, 'GET', `/sessions/${mac}`);
  t.equal(response.status, 200);
  t.equal(response.json.success, true);
  t.equal(response.json.sessions.length, 1);
  const session = response.json.sessions[0];
  t.type(session.ses_ID, 'number');
  t.ok(Number.isInteger(session.ses_ID), 'ses_ID is an integer');
  t.equal(session.ses_MAC, mac);
  t.equal(session.ses_IP, '192.168.1.10');
  t.equal(session.ses_EventTypeConnection, 'Connected');
  t.equal(session.ses_Connection, '2025-08-10 08:00');
  t.equal(session.ses_EventTypeDisconnection, 'Disconnected');
  t.equal(session.ses_Disconnection, '2025-08-10 10:00');
  t.equal(session.ses_Duration, '2h 0m');
  t.equal(session.ses_Info, '');
  t.equal(session.ses_StillConnected, false);
  t.equal(session.ses_ConnectionTime, '2025-08-10T08:00:00+00:00');
  t.equal(session.ses_DisconnectionTime, '2025-08-10T10:00:00+00:00');
  t.equal(session.ses_DurationSeconds, 7200);
});

t.test('device period defaults to 1 day', async (t) => {
  // 1 day back from 2025-08-10 12:00 is 2025-08-09 12:00.
  const mac = randomMac();
  await createSession(t, app, { mac, start_time: '2025-08-09T10:00:00', end_time: '2025-08-09T11:59:00' });
  await createSession(t, app, { mac, start_time: '2025-08-09T11:59:00', end_time: '2025-08-09T12:01:00' });
  const urls = [`/sessions/${mac}`, `/sessions/${mac}?period=`, `/sessions/${mac}?period=1%20day`];
  for (const url of urls) {
    const response = await send(app, 'GET', url);
    t.equal(response.status, 200, url);
    t.strictSame(connections(response), ['2025-08-09 11:59'], url);
  }
});

t.test('device reads encoded period spaces', async (t) => {
  const mac = randomMac();
  await createSession(t, app, { mac, start_time: '2025-08-05T10:00:00', end_time: '2025-08-05T11:00:00' });
  for (const period of ['7%20days', '7+days']) {
    const response = await send(app, 'GET', `/sessions/${mac}?period=${period}`);
    t.equal(response.status, 200, period);
    t.strictSame(connections(response), ['2025-08-05 10:00'], period);
  }
  const byDefault = await send(app, 'GET', `/sessions/${mac}`);
  t.equal(byDefault.status, 200);
  t.strictSame(connections(byDefault), []);
});

t.test('device accepts every period unit', async (t) => {
  // now is 2025-08-10T12:00:00Z, and `from` is now minus the period.
  const cases = [
    { period: '1 minute', from: '2025-08-10T11:59:00Z' },
    { period: '30 minutes', from: '2025-08-10T11:30:00Z' },
    { period: '1 hour', from: '2025-08-10T11:00:00Z' },
    { period: '3 HOURS', from: '2025-08-10T09:00:00Z' },
    { period: '1 day', from: '2025-08-09T12:00:00Z' },
    { period: '2 Days', from: '2025-08-08T12:00:00Z' },
    { period: '1 week', from: '2025-08-03T12:00:00Z' },
    { period: '2 weeks', from: '2025-07-27T12:00:00Z' },
    { period: '1 month', from: '2025-07-10T12:00:00Z' },
    { period: '3 Months', from: '2025-05-10T12:00:00Z' },
    { period: '1 year', from: '2024-08-10T12:00:00Z' },
    { period: '100 years', from: '1925-08-10T12:00:00Z' },
    { period: '1000 days', from: '2022-11-14T12:00:00Z' },
  ];
  for (const { period, from } of cases) {
    t.test(period, async (t) => {
      // One session ends a minute before the window, the next a minute into it.
      const mac = randomMac();
      const before = shiftMinutes(from, -1);
      const inside = shiftMinutes(from, 1);
      await createSession(t, app, { mac, start_time: shiftMinutes(from, -61), end_time: before });
      await createSession(t, app, { mac, start_time: before, end_time: inside });
      const response = await send(app, 'GET',
        `/sessions/${mac}?period=${encodeURIComponent(period)}`);
      t.equal(response.status, 200);
      t.equal(response.json.sessions.length, 1);
      t.equal(response.json.sessions[0]?.ses_ConnectionTime, before.replace('.000Z', '+00:00'));
    });
  }
});

t.test('device rejects unknown periods', async (t) => {
  const periods = [
    'fortnight', '0 days', '1001 days', '-1 days', '1.5 days', '7 dayz', 'days', '7', '1 decade',
  ];
  for (const period of periods) {
    t.test(period, async (t) => {
      const response = await send(app, 'GET',
        `/sessions/${randomMac()}?period=${encodeURIComponent(period)}`);
      assertBadRequest(t, response, [
        'period', period, '1000', 'minute', 'hour', 'day', 'week', 'month', 'year',
      ]);
    });
  }
});

t.test('device uses first repeated period', async (t) => {
  const mac = randomMac();
  await createSession(t, app, { mac, start_time: '2025-08-05T12:00:00', end_time: '2025-08-05T13:00:00' });
  const response = await send(app, 'GET', `/sessions/${mac}?period=7%20days&period=fortnight`);
  t.equal(response.status, 200);
  t.strictSame(connections(response), ['2025-08-05 12:00']);
});

t.test('device includes sessions overlapping period', async (t) => {
  const openMac = randomMac();
  const closedMac = randomMac();
  await createSession(t, app, { mac: openMac, start_time: '2025-08-07T12:00:00' });
  await createSession(t, app, {
    mac: closedMac, start_time: '2025-08-08T10:00:00', end_time: '2025-08-08T12:00:00',
  });

  const open = await send(app, 'GET', `/sessions/${openMac}?period=1%20day`);
  t.equal(open.status, 200);
  t.equal(open.json.sessions.length, 1);
  const session = open.json.sessions[0];
  t.equal(session.ses_Connection, '2025-08-07 12:00');
  t.equal(session.ses_Disconnection, '...');
  t.equal(session.ses_StillConnected, true);
  t.equal(session.ses_EventTypeDisconnection, null);
  t.equal(session.ses_DisconnectionTime, null);
  t.equal(session.ses_Duration, '3d 0h 0m');
  t.equal(session.ses_DurationSeconds, 259200);

  const closed = await send(app, 'GET', `/sessions/${closedMac}?period=1%20day`);
  t.equal(closed.status, 200);
  t.strictSame(closed.json.sessions, []);
});

t.test('device orders newest connection first', async (t) => {
  const mac = randomMac();
  await createSession(t, app, { mac, start_time: '2025-08-08T10:00:00', end_time: '2025-08-08T11:00:00' });
  await createSession(t, app, { mac, start_time: '2025-08-09T10:00:00', end_time: '2025-08-09T11:00:00' });
  await createSession(t, app, { mac, start_time: '2025-08-07T10:00:00', end_time: '2025-08-07T11:00:00' });
  const response = await send(app, 'GET', `/sessions/${mac}?period=7%20days`);
  t.equal(response.status, 200);
  t.strictSame(connections(response),
    ['2025-08-09 10:00', '2025-08-08 10:00', '2025-08-07 10:00']);
});

t.test('device unknown gives empty list', async (t) => {
  const response = await send(app, 'GET', `/sessions/${randomMac()}?period=100%20years`);
  t.equal(response.status, 200);
  t.equal(response.json.success, true);
  t.strictSame(response.json.sessions, []);
});

t.test('device accepts every MAC spelling', async (t) => {
  const mac = randomMac();
  await createSession(t, app, { mac, start_time: '2025-08-10T09:00:00', end_time: '2025-08-10T09:30:00' });
  const hex = mac.replaceAll(':', '').toLowerCase();
  const spellings = [
    mac,
    mac.toLowerCase(),
    mac.replaceAll(':', '-'),
    mac.toLowerCase().replaceAll(':', '-'),
    `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`,
    hex,
    hex.toUpperCase(),
    encodeURIComponent(mac),
  ];
  for (const spelling of spellings) {
    const response = await send(app, 'GET', `/sessions/${spelling}`);
    t.equal(response.status, 200, spelling);
    t.equal(response.json.sessions.length, 1, spelling);
    t.equal(response.json.sessions[0]?.ses_MAC, mac, spelling);
  }
});

t.test('static routes win over device', async (t) => {
  const list = await send(app, 'GET', '/sessions/list');
  t.equal(list.status, 200);
  t.equal(list.json.success, true);
  t.ok(Array.isArray(list.json.sessions), 'list returns sessions');

  const calendar = await send(app, 'GET', '/sessions/calendar?start=2025-08-01&end=2025-08-10');
  t.equal(calendar.status, 200);
  t.equal(calendar.json.success, true);
  t.ok(calendar.json.sessions.length > 0, 'calendar returns items');
  t.type(calendar.json.sessions[0]?.resourceId, 'string');

  const noBounds = await send(app, 'GET', '/sessions/calendar');
  t.equal(noBounds.status, 400);
  t.match(noBounds.json.message, 'start');
  t.notMatch(noBounds.json.message, 'mac');

  const events = await send(app, 'GET', '/sessions/session-events');
  t.equal(events.status, 200);
  t.equal(events.json.success, true);
  t.ok(Array.isArray(events.json.data), 'session-events returns data');
});

t.test('device reached by MAC starting ca', async (t) => {
  await createSession(t, app, {
    mac: 'ca:fe:00:00:00:01', start_time: '2025-08-10T07:00:00', end_time: '2025-08-10T08:00:00',
  });
  const spellings = [
    'ca:fe:00:00:00:01', 'CA:FE:00:00:00:01', 'cafe00000001', 'ca-fe-00-00-00-01', 'cafe.0000.0001',
  ];
  for (const spelling of spellings) {
    const response = await send(app, 'GET', `/sessions/${spelling}`);
    t.equal(response.status, 200, spelling);
    t.equal(response.json.sessions.length, 1, spelling);
    t.equal(response.json.sessions[0]?.ses_MAC, 'CA:FE:00:00:00:01', spelling);
  }
});

t.test('device rejects invalid MAC', async (t) => {
  const macs = [
    'zz:zz:zz:zz:zz:zz', 'AA:BB:CC:DD:EE', 'AA:BB-CC:DD:EE:FF', 'aabb.ccdd.eeff.0011',
    '12345', 'AA:BB:CC:DD:EE:FF:00', 'internets', 'calendars', 'lists', 'null',
  ];
  for (const mac of macs) {
    t.test(mac, async (t) => {
      assertBadRequest(t, await send(app, 'GET', `/sessions/${mac}`), ['mac', mac]);
    });
  }
  const empty = await send(app, 'GET', '/sessions/');
  t.ok(empty.status >= 400 && empty.status < 500, 'empty MAC is a client error');
  t.equal(empty.json?.success, false);
  t.type(empty.json?.message, 'string');
  t.type(empty.json?.error, 'string');
});

t.test('device rejects malformed paths', async (t) => {
  const paths = ['/sessions/%FF', '/sessions/%E0%A4%A', `/sessions/${'a'.repeat(101)}`];
  for (const path of paths) {
    t.test(path.slice(0, 40), async (t) => {
      const response = await send(app, 'GET', path);
      t.ok(response.status >= 400 && response.status < 500, `status ${response.status} is 4xx`);
      t.match(response.headers['content-type'], 'application/json');
      t.equal(response.json?.success, false);
      t.type(response.json?.message, 'string');
      t.type(response.json?.error, 'string');
    });
  }
});

t.test('device accepts Internet key', async (t) => {
  await createSession(t, app, {
    mac: 'INTERNET', ip: '203.0.113.7',
    start_time: '2025-08-10T06:00:00', end_time: '2025-08-10T07:00:00',
  });
  for (const spelling of ['Internet', 'internet', 'INTERNET']) {
    const response = await send(app, 'GET', `/sessions/${spelling}`);
    t.equal(response.status, 200, spelling);
    t.equal(response.json.sessions.length, 1, spelling);
    t.equal(response.json.sessions[0]?.ses_MAC, 'Internet', spelling);
    t.equal(response.json.sessions[0]?.ses_IP, '203.0.113.7', spelling);
  }
});

t.test('day period spans spring-forward change', async (t) => {
  // 1 day back from 2025-03-30 12:00 CEST is 2025-03-29 12:00 CET (11:00Z),
  // not 24 hours back (10:00Z).
  const included = randomMac();
  const excluded = randomMac();
  await createSession(t, springForward, {
    mac: included, start_time: '2025-03-29T10:00:00', end_time: '2025-03-29T12:30:00',
  });
  await createSession(t, springForward, {
    mac: excluded, start_time: '2025-03-29T10:00:00', end_time: '2025-03-29T11:30:00',
  });
  const first = await send(springForward, 'GET', `/sessions/${included}?period=1%20day`);
  t.equal(first.status, 200);
  t.strictSame(connections(first), ['2025-03-29 10:00']);
  t.equal(first.json.sessions[0]?.ses_Disconnection, '2025-03-29 12:30');
  const second = await send(springForward, 'GET', `/sessions/${excluded}?period=1%20day`);
  t.equal(second.status, 200);
  t.strictSame(connections(second), []);
});

t.test('day period spans fall-back change', async (t) => {
  // 1 day back from 2025-10-26 12:00 CET is 2025-10-25 12:00 CEST (10:00Z),
  // not 24 hours back (11:00Z).
  const included = randomMac();
  const excluded = randomMac();
  await createSession(t, fallBack, {
    mac: included, start_time: '2025-10-25T10:00:00', end_time: '2025-10-25T12:30:00',
  });
  await createSession(t, fallBack, {
    mac: excluded, start_time: '2025-10-25T10:00:00', end_time: '2025-10-25T11:30:00',
  });
  const first = await send(fallBack, 'GET', `/sessions/${included}?period=1%20day`);
  t.equal(first.status, 200);
  t.strictSame(connections(first), ['2025-10-25 10:00']);
  const second = await send(fallBack, 'GET', `/sessions/${excluded}?period=1%20day`);
  t.equal(second.status, 200);
  t.strictSame(connections(second), []);
});

t.test('device shows session started ahead', async (t) => {
  // A scanner whose clock runs three minutes ahead records a start after now.
  const mac = randomMac();
  const now = Date.parse(APP_NOW);
  const start = new Date(now + 3 * 60_000).toISOString();
  await createSession(t, app, { mac, start_time: start });

  const device = await send(app, 'GET', `/sessions/${mac}`);
  t.equal(device.json.sessions.length, 1, 'the open session is listed');
  t.equal(device.json.sessions[0].ses_Duration, '0h 0m');

  const day = APP_NOW.slice(0, 10);
  const calendar = await send(app, 'GET', `/sessions/calendar?start=${day}&end=${day}&mac=${mac}`);
  const item = calendar.json.sessions[0];
  t.equal(item.end, item.start, 'the calendar item does not end before it starts');
});
