import t, { type Test } from 'tap';
import type { Instant } from '../../src/sessions/time.js';
import { buildTestApp, createSession, fixedClock, openTestDatabase, randomMac, send } from '../helpers.js';

type App = Awaited<ReturnType<typeof buildTestApp>>;

const SESSION_KEYS = [
  'ses_Connection', 'ses_ConnectionTime', 'ses_Disconnection', 'ses_DisconnectionTime',
  'ses_Duration', 'ses_DurationSeconds', 'ses_EventTypeConnection', 'ses_EventTypeDisconnection',
  'ses_ID', 'ses_IP', 'ses_Info', 'ses_MAC', 'ses_StillConnected',
];
const EVENT_KEYS = [
  'eve_AdditionalInfo', 'eve_DateTime', 'eve_EventType', 'eve_IP', 'eve_MAC', 'eve_Time',
];
const TYPES = ['all', 'sessions', 'missing', 'voided', 'new', 'down'];

// Both apps share one database and one clock. Every case sets the clock and
// deletes its devices when it ends, so each case reads only its own sessions.
let now: Instant = 0n;
const clock = () => now;
const database = await openTestDatabase(t);
const app = await buildTestApp(t, { database, clock });
const berlin = await buildTestApp(t, { database, env: { TIMEZONE: 'Europe/Berlin' }, clock });

/** Sets the clock and returns a MAC factory whose devices are deleted after the case. */
function startCase(t: Test, iso: string): () => string {
  now = fixedClock(iso)();
  const macs: string[] = [];
  t.teardown(async () => {
    for (const mac of macs) await send(app, 'DELETE', '/sessions/delete', { mac });
  });
  return () => {
    const mac = randomMac();
    macs.push(mac);
    return mac;
  };
}

async function sessionEvents(target: App, query = '') {
  return send(target, 'GET', `/sessions/session-events${query}`);
}

/** Returns `MAC time type` for each event row, in response order. */
function eventLines(response: { json: any }): string[] {
  return (response.json?.data ?? [])
    .map((row: any) => `${row.eve_MAC} ${row.eve_DateTime} ${row.eve_EventType}`);
}

function assertBadRequest(t: Test, response: Awaited<ReturnType<typeof send>>, texts: string[]) {
  t.equal(response.status, 400);
  t.match(response.headers['content-type'], 'application/json');
  t.equal(response.json?.success, false);
  t.type(response.json?.message, 'string');
  t.type(response.json?.error, 'string');
  for (const text of texts) t.match(response.json?.message, text, `message names ${text}`);
}

t.test('session-events defaults to all, 7 days', async (t) => {
  // now is 2025-01-20 12:00 UTC, so 7 days reach back to 2025-01-13 12:00.
  const newMac = startCase(t, '2025-01-20T12:00:00Z');
  const old = newMac();
  const lastWeek = newMac();
  const today = newMac();
  await createSession(t, app, {
    mac: old, start_time: '2025-01-12T10:00:00', end_time: '2025-01-12T11:00:00',
  });
  await createSession(t, app, {
    mac: lastWeek, start_time: '2025-01-15T10:00:00', end_time: '2025-01-15T11:00:00',
  });
  await createSession(t, app, {
    mac: today, start_time: '2025-01-20T09:00:00', end_time: '2025-01-20T10:00:00',
  });

  const expected = [
    `${today} 2025-01-20 10:00 Disconnected`,
    `${today} 2025-01-20 09:00 Connected`,
    `${lastWeek} 2025-01-15 11:00 Disconnected`,
    `${lastWeek} 2025-01-15 10:00 Connected`,
  ];
  for (const query of ['', '?type=all&period=7%20days', '?type=&period=', '?period=7+days']) {
    const response = await sessionEvents(app, query);
    t.equal(response.status, 200, query);
    t.equal(response.json.success, true, query);
    t.strictSame(eventLines(response), expected, query);
  }
});

t.test('sessions type lists overlapping sessions', async (t) => {
  // now is 2025-02-10 12:00 UTC, so 7 days reach back to 2025-02-03 12:00.
  const newMac = startCase(t, '2025-02-10T12:00:00Z');
  const inside = newMac();
  const beganBefore = newMac();
  const open = newMac();
  const endedBefore = newMac();
  await createSession(t, app, {
    mac: inside, start_time: '2025-02-05T10:00:00', end_time: '2025-02-05T11:00:00',
  });
  await createSession(t, app, {
    mac: beganBefore, start_time: '2025-02-02T10:00:00', end_time: '2025-02-03T13:00:00',
  });
  await createSession(t, app, { mac: open, start_time: '2025-02-01T08:00:00' });
  await createSession(t, app, {
    mac: endedBefore, start_time: '2025-02-01T10:00:00', end_time: '2025-02-02T09:00:00',
  });

  const response = await sessionEvents(app, '?type=sessions');
  t.equal(response.status, 200);
  const data = response.json.data;
  t.strictSame(data.map((row: any) => row.ses_MAC), [inside, beganBefore, open]);
  for (const row of data) t.strictSame(Object.keys(row).sort(), SESSION_KEYS);
  t.equal(data[0].ses_Connection, '2025-02-05 10:00');
  t.equal(data[0].ses_Disconnection, '2025-02-05 11:00');
  t.equal(data[0].ses_Duration, '1h 0m');
  t.equal(data[2].ses_Connection, '2025-02-01 08:00');
  t.equal(data[2].ses_Disconnection, '...');
  t.equal(data[2].ses_StillConnected, true);
  t.equal(data[2].ses_Duration, '9d 4h 0m');

  const lastDay = await sessionEvents(app, '?type=sessions&period=1+day');
  t.equal(lastDay.status, 200);
  t.strictSame(lastDay.json.data.map((row: any) => row.ses_MAC), [open]);
});

t.test('missing type lists missing sides', async (t) => {
  // now is 2025-03-10 12:00 UTC, so 7 days reach back to 2025-03-03 12:00.
  const newMac = startCase(t, '2025-03-10T12:00:00Z');
  const closedByNext = newMac();
  const complete = newMac();
  const noConnection = newMac();
  const old = newMac();
  // A later session closes the open one at its start with <missing event>.
  await createSession(t, app, { mac: closedByNext, start_time: '2025-03-05T08:00:00' });
  await createSession(t, app, {
    mac: closedByNext, start_time: '2025-03-05T10:00:00', end_time: '2025-03-05T11:00:00',
  });
  await createSession(t, app, {
    mac: complete, start_time: '2025-03-06T10:00:00', end_time: '2025-03-06T11:00:00',
  });
  await createSession(t, app, {
    mac: noConnection, start_time: '2025-03-07T10:00:00', end_time: '2025-03-07T11:00:00',
    event_type_conn: '<missing event>',
  });
  await createSession(t, app, { mac: old, start_time: '2025-02-25T08:00:00' });
  await createSession(t, app, {
    mac: old, start_time: '2025-02-25T10:00:00', end_time: '2025-02-25T11:00:00',
  });

  const response = await sessionEvents(app, '?type=missing');
  t.equal(response.status, 200);
  const data = response.json.data;
  t.strictSame(data.map((row: any) => row.ses_MAC), [noConnection, closedByNext]);
  for (const row of data) t.strictSame(Object.keys(row).sort(), SESSION_KEYS);
  t.equal(data[0].ses_Connection, '<missing event>');
  t.equal(data[0].ses_Disconnection, '2025-03-07 11:00');
  t.equal(data[0].ses_Duration, '...');
  t.equal(data[0].ses_DurationSeconds, null);
  t.equal(data[1].ses_Connection, '2025-03-05 08:00');
  t.equal(data[1].ses_Disconnection, '<missing event>');
  t.equal(data[1].ses_EventTypeDisconnection, '<missing event>');
  t.equal(data[1].ses_Duration, '...');
  t.equal(data[1].ses_DurationSeconds, null);
});

t.test('all type lists session events', async (t) => {
  // Times are Berlin wall times. now is 2025-08-10 14:00 CEST, so the period
  // starts at 2025-08-03 14:00.
  const newMac = startCase(t, '2025-08-10T12:00:00Z');
  const closed = newMac();
  const open = newMac();
  const closedByNext = newMac();
  const noConnection = newMac();
  const straddling = newMac();
  const old = newMac();
  await createSession(t, berlin, {
    mac: closed, ip: '192.168.1.10', additional_info: 'wifi',
    start_time: '2025-08-05T10:00:00', end_time: '2025-08-05T12:00:00',
  });
  await createSession(t, berlin, { mac: open, ip: '192.168.1.11', start_time: '2025-08-06T09:00:00' });
  await createSession(t, berlin, {
    mac: closedByNext, ip: '192.168.1.12', start_time: '2025-08-07T08:00:00',
  });
  await createSession(t, berlin, {
    mac: closedByNext, ip: '192.168.1.12',
    start_time: '2025-08-07T10:00:00', end_time: '2025-08-07T11:00:00',
  });
  await createSession(t, berlin, {
    mac: noConnection, ip: '192.168.1.13', event_type_conn: '<missing event>',
    start_time: '2025-08-08T10:00:00', end_time: '2025-08-08T11:00:00',
  });
  await createSession(t, berlin, {
    mac: straddling, ip: '192.168.1.14',
    start_time: '2025-08-03T10:00:00', end_time: '2025-08-03T16:00:00',
  });
  await createSession(t, berlin, {
    mac: old, ip: '192.168.1.15',
    start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T11:00:00',
  });

  const response = await sessionEvents(berlin, '?type=all');
  t.equal(response.status, 200);
  t.equal(response.json.success, true);
  for (const row of response.json.data) t.strictSame(Object.keys(row).sort(), EVENT_KEYS);
  const row = (mac: string, ip: string, wall: string, type: string, info = '') => ({
    eve_MAC: mac,
    eve_DateTime: wall,
    eve_Time: `${wall.replace(' ', 'T')}:00+02:00`,
    eve_EventType: type,
    eve_IP: ip,
    eve_AdditionalInfo: info,
  });
  t.strictSame(response.json.data, [
    row(noConnection, '192.168.1.13', '2025-08-08 11:00', 'Disconnected'),
    row(closedByNext, '192.168.1.12', '2025-08-07 11:00', 'Disconnected'),
    row(closedByNext, '192.168.1.12', '2025-08-07 10:00', 'Connected'),
    row(closedByNext, '192.168.1.12', '2025-08-07 08:00', 'Connected'),
    row(open, '192.168.1.11', '2025-08-06 09:00', 'Connected'),
    row(closed, '192.168.1.10', '2025-08-05 12:00', 'Disconnected', 'wifi'),
    row(closed, '192.168.1.10', '2025-08-05 10:00', 'Connected', 'wifi'),
    row(straddling, '192.168.1.14', '2025-08-03 16:00', 'Disconnected'),
  ]);
});

t.test('all type respects short period', async (t) => {
  const newMac = startCase(t, '2025-01-25T12:00:00Z');
  const mac = newMac();
  await createSession(t, app, { mac, start_time: '2025-01-25T09:00:00', end_time: '2025-01-25T11:00:00' });
  const response = await sessionEvents(app, '?type=all&period=2%20hours');
  t.equal(response.status, 200);
  t.strictSame(eventLines(response), [`${mac} 2025-01-25 11:00 Disconnected`]);
});

t.test('all type puts disconnection first', async (t) => {
  // A ends at 12:00 where B starts: A's Disconnected precedes B's Connected.
  const cases = [
    { name: 'same device, earlier created first', sameDevice: true, earlierFirst: true },
    { name: 'same device, later created first', sameDevice: true, earlierFirst: false },
    { name: 'two devices, earlier created first', sameDevice: false, earlierFirst: true },
    { name: 'two devices, later created first', sameDevice: false, earlierFirst: false },
  ];
  for (const { name, sameDevice, earlierFirst } of cases) {
    t.test(name, async (t) => {
      const newMac = startCase(t, '2025-04-10T12:00:00Z');
      const first = newMac();
      const second = sameDevice ? first : newMac();
      const earlier = {
        mac: first, start_time: '2025-04-08T11:00:00', end_time: '2025-04-08T12:00:00',
      };
      const later = {
        mac: second, start_time: '2025-04-08T12:00:00', end_time: '2025-04-08T13:00:00',
      };
      for (const body of earlierFirst ? [earlier, later] : [later, earlier]) {
        await createSession(t, app, body);
      }
      const response = await sessionEvents(app, '?type=all');
      t.equal(response.status, 200);
      t.strictSame(eventLines(response), [
        `${second} 2025-04-08 13:00 Disconnected`,
        `${first} 2025-04-08 12:00 Disconnected`,
        `${second} 2025-04-08 12:00 Connected`,
        `${first} 2025-04-08 11:00 Connected`,
      ]);
    });
  }
});

t.test('voided type keeps VOIDED events', async (t) => {
  const newMac = startCase(t, '2025-05-10T12:00:00Z');
  const voidedConnection = newMac();
  const voidedDisconnection = newMac();
  const plain = newMac();
  const voidedLater = newMac();
  await createSession(t, app, {
    mac: voidedConnection, event_type_conn: 'VOIDED - Connected',
    start_time: '2025-05-05T10:00:00', end_time: '2025-05-05T11:00:00',
  });
  await createSession(t, app, {
    mac: voidedDisconnection, event_type_disc: 'VOIDED - Disconnected',
    start_time: '2025-05-06T10:00:00', end_time: '2025-05-06T11:00:00',
  });
  await createSession(t, app, {
    mac: plain, start_time: '2025-05-07T10:00:00', end_time: '2025-05-07T11:00:00',
  });
  await createSession(t, app, {
    mac: voidedLater, event_type_conn: 'Connected VOIDED',
    start_time: '2025-05-08T10:00:00', end_time: '2025-05-08T11:00:00',
  });
  const response = await sessionEvents(app, '?type=voided');
  t.equal(response.status, 200);
  for (const row of response.json.data) t.strictSame(Object.keys(row).sort(), EVENT_KEYS);
  t.strictSame(eventLines(response), [
    `${voidedDisconnection} 2025-05-06 11:00 VOIDED - Disconnected`,
    `${voidedConnection} 2025-05-05 10:00 VOIDED - Connected`,
  ]);
});

t.test('new type keeps New Device events', async (t) => {
  const newMac = startCase(t, '2025-06-10T12:00:00Z');
  const newDevice = newMac();
  const plain = newMac();
  const oldNewDevice = newMac();
  await createSession(t, app, {
    mac: newDevice, event_type_conn: 'New Device',
    start_time: '2025-06-05T10:00:00', end_time: '2025-06-05T11:00:00',
  });
  await createSession(t, app, {
    mac: plain, start_time: '2025-06-06T10:00:00', end_time: '2025-06-06T11:00:00',
  });
  await createSession(t, app, {
    mac: oldNewDevice, event_type_conn: 'New Device',
    start_time: '2025-05-20T10:00:00', end_time: '2025-05-20T11:00:00',
  });
  const response = await sessionEvents(app, '?type=new');
  t.equal(response.status, 200);
  t.strictSame(eventLines(response), [`${newDevice} 2025-06-05 10:00 New Device`]);
});

t.test('down type keeps Device Down events', async (t) => {
  const newMac = startCase(t, '2025-07-10T12:00:00Z');
  const down = newMac();
  const plain = newMac();
  await createSession(t, app, {
    mac: down, event_type_disc: 'Device Down',
    start_time: '2025-07-05T10:00:00', end_time: '2025-07-05T11:00:00',
  });
  await createSession(t, app, {
    mac: plain, start_time: '2025-07-06T10:00:00', end_time: '2025-07-06T11:00:00',
  });
  const response = await sessionEvents(app, '?type=down');
  t.equal(response.status, 200);
  t.strictSame(eventLines(response), [`${down} 2025-07-05 11:00 Device Down`]);
});

t.test('session-events rejects unknown type', async (t) => {
  for (const type of ['everything', 'session', 'events', 'voided,new', 'down ']) {
    t.test(type, async (t) => {
      const response = await sessionEvents(app, `?type=${encodeURIComponent(type)}`);
      assertBadRequest(t, response, ['type', ...TYPES]);
    });
  }
});

t.test('session-events rejects bad period', async (t) => {
  const cases = ['fortnight', '0 days', '1001 days', '7', '1.5 days'];
  for (const type of ['all', 'sessions', 'missing']) {
    for (const period of cases) {
      t.test(`${type} ${period}`, async (t) => {
        const response = await sessionEvents(app,
          `?type=${type}&period=${encodeURIComponent(period)}`);
        assertBadRequest(t, response, [
          'period', period, '1000', 'minute', 'hour', 'day', 'week', 'month', 'year',
        ]);
      });
    }
  }
});
