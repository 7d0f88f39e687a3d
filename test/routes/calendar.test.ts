import t, { type Test } from 'tap';
import { buildTestApp, createSession, fixedClock, openTestDatabase, randomMac, send } from '../helpers.js';

type App = Awaited<ReturnType<typeof buildTestApp>>;

const CALENDAR_KEYS = ['className', 'color', 'end', 'resourceId', 'start', 'title', 'tooltip'];

async function calendar(app: App, query: string) {
  return send(app, 'GET', `/sessions/calendar?${query}`);
}

/** Returns the resourceIds of a calendar response, in response order. */
function resourceIds(response: { json: any }): string[] {
  return (response.json?.sessions ?? []).map((item: any) => item.resourceId);
}

function assertBadRequest(t: Test, response: Awaited<ReturnType<typeof send>>, texts: string[]) {
  t.equal(response.status, 400);
  t.match(response.headers['content-type'], 'application/json');
  t.equal(response.json?.success, false);
  t.type(response.json?.message, 'string');
  t.type(response.json?.error, 'string');
  for (const text of texts) t.match(response.json?.message, text, `message names ${text}`);
}

// Both apps share one database, so each case uses its own devices and days.
// The first app runs in the default zone UTC, where a wall time without an
// offset is a UTC instant.
const database = await openTestDatabase(t);
const app = await buildTestApp(t, { database, clock: fixedClock('2025-08-10T12:00:00Z') });
const berlin = await buildTestApp(t, {
  database,
  env: { TIMEZONE: 'Europe/Berlin' },
  clock: fixedClock('2025-11-01T12:00:00Z'),
});

t.test('calendar returns published example item', async (t) => {
  await createSession(t, app, {
    mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
    start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
    event_type_conn: 'Connected', event_type_disc: 'Disconnected',
  });
  const response = await calendar(app, 'start=2025-08-01&end=2025-08-21&mac=AA:BB:CC:DD:EE:FF');
  t.equal(response.status, 200);
  t.equal(response.json.success, true);
  t.equal(response.json.sessions.length, 1);
  const item = response.json.sessions[0];
  t.strictSame(Object.keys(item).sort(), CALENDAR_KEYS);
  t.equal(item.resourceId, 'AA:BB:CC:DD:EE:FF');
  t.equal(item.title, '');
  t.equal(item.start, '2025-08-01T10:00:00');
  t.equal(item.end, '2025-08-01T12:00:00');
  t.equal(item.color, '#0073b7');
  t.equal(item.tooltip,
    'Connection: 2025-08-01 10:00\nDisconnection: 2025-08-01 12:00\nIP: 192.168.1.10');
  t.equal(item.className, 'no-border');
});

t.test('calendar includes overlapping sessions', async (t) => {
  // The window is 2025-08-05 10:00 to 14:00.
  const cases = [
    { name: 'began before, ends inside', start: '08:00', end: '11:00', included: true },
    { name: 'starts inside, ends after', start: '13:00', end: '16:00', included: true },
    { name: 'spans the whole window', start: '09:00', end: '15:00', included: true },
    { name: 'lies inside', start: '11:00', end: '12:00', included: true },
    { name: 'ends at window start', start: '08:00', end: '10:00', included: false },
    { name: 'ends before window', start: '06:00', end: '07:00', included: false },
    { name: 'starts after window', start: '16:00', end: '17:00', included: false },
  ];
  for (const { name, start, end, included } of cases) {
    const mac = randomMac();
    await createSession(t, app, {
      mac, start_time: `2025-08-05T${start}:00`, end_time: `2025-08-05T${end}:00`,
    });
    const response = await calendar(app,
      `start=2025-08-05T10:00:00&end=2025-08-05T14:00:00&mac=${mac}`);
    t.equal(response.status, 200, name);
    t.equal(response.json.sessions.length, included ? 1 : 0, name);
  }
});

t.test('calendar shows open session until now', async (t) => {
  const mac = randomMac();
  await createSession(t, app, { mac, ip: '192.168.1.20', start_time: '2025-08-01T09:00:00' });
  const response = await calendar(app, `start=2025-08-05&end=2025-08-05&mac=${mac}`);
  t.equal(response.status, 200);
  t.equal(response.json.sessions.length, 1);
  const item = response.json.sessions[0];
  t.strictSame(Object.keys(item).sort(), CALENDAR_KEYS);
  t.equal(item.start, '2025-08-01T09:00:00');
  t.equal(item.end, '2025-08-10T12:00:00');
  t.equal(item.color, '#00a659');
  t.equal(item.tooltip,
    'Connection: 2025-08-01 09:00\nDisconnection: <still connected>\nIP: 192.168.1.20');

  const windows = [
    { query: 'start=2025-08-10T11:00:00&end=2025-08-10T13:00:00', included: true },
    { query: 'start=2025-08-01&end=2025-08-01', included: true },
    { query: 'start=2025-08-11&end=2025-08-12', included: false },
    { query: 'start=2025-07-30&end=2025-07-31', included: false },
  ];
  for (const { query, included } of windows) {
    const windowResponse = await calendar(app, `${query}&mac=${mac}`);
    t.equal(windowResponse.status, 200, query);
    t.equal(windowResponse.json.sessions.length, included ? 1 : 0, query);
  }
});

t.test('calendar marks missing event sides', async (t) => {
  const mac = randomMac();
  await createSession(t, app, { mac, ip: '192.168.1.30', start_time: '2025-08-06T08:00:00' });
  // A later session closes the open one at its start with <missing event>.
  await createSession(t, app, {
    mac, ip: '192.168.1.30', start_time: '2025-08-06T10:00:00', end_time: '2025-08-06T11:00:00',
  });
  const response = await calendar(app, `start=2025-08-06&end=2025-08-06&mac=${mac}`);
  t.equal(response.status, 200);
  t.equal(response.json.sessions.length, 2);
  const [later, closed] = response.json.sessions;
  t.equal(later.start, '2025-08-06T10:00:00');
  t.equal(later.color, '#0073b7');
  t.equal(closed.start, '2025-08-06T08:00:00');
  t.equal(closed.end, '2025-08-06T10:00:00');
  t.equal(closed.color, '#f39c12');
  t.equal(closed.tooltip,
    'Connection: 2025-08-06 08:00\nDisconnection: <missing event>\nIP: 192.168.1.30');
});

t.test('calendar marks missing connection side', async (t) => {
  const mac = randomMac();
  await createSession(t, app, {
    mac, ip: '192.168.1.31', start_time: '2025-08-06T08:00:00', end_time: '2025-08-06T09:00:00',
    event_type_conn: '<missing event>',
  });
  const response = await calendar(app, `start=2025-08-06&end=2025-08-06&mac=${mac}`);
  t.equal(response.status, 200);
  t.equal(response.json.sessions.length, 1);
  const item = response.json.sessions[0];
  t.equal(item.start, '2025-08-06T08:00:00');
  t.equal(item.color, '#f39c12');
  t.equal(item.tooltip,
    'Connection: <missing event>\nDisconnection: 2025-08-06 09:00\nIP: 192.168.1.31');
});

t.test('calendar item fixed fields', async (t) => {
  const mac = randomMac();
  await createSession(t, app, {
    mac: mac.toLowerCase().replaceAll(':', '-'),
    start_time: '2025-08-04T10:00:00', end_time: '2025-08-04T11:00:00',
  });
  const response = await calendar(app, `start=2025-08-04&end=2025-08-04&mac=${mac}`);
  t.equal(response.status, 200);
  const item = response.json.sessions[0];
  t.equal(item.resourceId, mac);
  t.equal(item.title, '');
  t.equal(item.className, 'no-border');
});

t.test('calendar date end includes day', async (t) => {
  const lateMac = randomMac();
  const nextDayMac = randomMac();
  await createSession(t, app, {
    mac: lateMac, start_time: '2025-08-07T23:00:00', end_time: '2025-08-07T23:30:00',
  });
  await createSession(t, app, {
    mac: nextDayMac, start_time: '2025-08-08T00:00:00', end_time: '2025-08-08T00:30:00',
  });
  const late = await calendar(app, `start=2025-08-07&end=2025-08-07&mac=${lateMac}`);
  t.equal(late.status, 200);
  t.equal(late.json.sessions.length, 1);
  const nextDay = await calendar(app, `start=2025-08-07&end=2025-08-07&mac=${nextDayMac}`);
  t.equal(nextDay.status, 200);
  t.equal(nextDay.json.sessions.length, 0);
});

t.test('calendar reads ISO instants with offset', async (t) => {
  // 2025-08-01T00:00:00+02:00 is 2025-07-31T22:00:00Z. Read without the
  // offset, the window would be 2025-08-01 00:00 to 01:00 UTC and miss it.
  const mac = randomMac();
  await createSession(t, app, {
    mac, start_time: '2025-07-31T22:15:00Z', end_time: '2025-07-31T22:45:00Z',
  });
  const windows = [
    'start=2025-08-01T00:00:00%2B02:00&end=2025-08-01T01:00:00%2B02:00',
    'start=2025-08-01T00:00:00+02:00&end=2025-08-01T01:00:00+02:00',
    'start=2025-07-31T22:00:00Z&end=2025-07-31T23:00:00Z',
    'start=2025-07-31T18:00:00-04:00&end=2025-07-31T19:00:00-04:00',
    'start=2025-08-01T00:00:00%2B0200&end=2025-08-01T01:00:00%2B0200',
  ];
  for (const query of windows) {
    const response = await calendar(app, `${query}&mac=${mac}`);
    t.equal(response.status, 200, query);
    t.strictSame(resourceIds(response), [mac], query);
  }
  const outside = await calendar(app,
    `start=2025-08-01T00:00:00Z&end=2025-08-01T01:00:00Z&mac=${mac}`);
  t.equal(outside.status, 200);
  t.strictSame(resourceIds(outside), []);
});

t.test('calendar filters by any MAC spelling', async (t) => {
  const mac = randomMac();
  const other = randomMac();
  await createSession(t, app, { mac, start_time: '2025-08-03T10:00:00', end_time: '2025-08-03T11:00:00' });
  await createSession(t, app, {
    mac: other, start_time: '2025-08-03T10:00:00', end_time: '2025-08-03T11:00:00',
  });
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
    const response = await calendar(app, `start=2025-08-03&end=2025-08-03&mac=${spelling}`);
    t.equal(response.status, 200, spelling);
    t.strictSame(resourceIds(response), [mac], spelling);
  }
});

t.test('calendar treats empty mac as absent', async (t) => {
  const first = randomMac();
  const second = randomMac();
  await createSession(t, app, {
    mac: first, start_time: '2025-07-20T10:00:00', end_time: '2025-07-20T11:00:00',
  });
  await createSession(t, app, {
    mac: second, start_time: '2025-07-20T12:00:00', end_time: '2025-07-20T13:00:00',
  });
  const response = await calendar(app, 'start=2025-07-20&end=2025-07-20&mac=');
  t.equal(response.status, 200);
  const ids = resourceIds(response);
  t.ok(ids.includes(first), 'first device listed');
  t.ok(ids.includes(second), 'second device listed');
});

t.test('calendar filters by Internet key', async (t) => {
  await createSession(t, app, {
    mac: 'internet', ip: '203.0.113.7',
    start_time: '2025-07-21T10:00:00', end_time: '2025-07-21T11:00:00',
  });
  for (const spelling of ['Internet', 'internet', 'INTERNET']) {
    const response = await calendar(app, `start=2025-07-21&end=2025-07-21&mac=${spelling}`);
    t.equal(response.status, 200, spelling);
    t.strictSame(resourceIds(response), ['Internet'], spelling);
  }
});

t.test('calendar rejects missing bounds', async (t) => {
  const queries = [
    { query: 'end=2025-08-21', field: 'start' },
    { query: 'start=2025-08-01', field: 'end' },
    { query: 'start=&end=2025-08-21', field: 'start' },
    { query: 'start=2025-08-01&end=', field: 'end' },
    { query: '', field: 'start' },
  ];
  for (const { query, field } of queries) {
    t.test(query || 'no query', async (t) => {
      assertBadRequest(t, await calendar(app, query), [field]);
    });
  }
});

t.test('calendar rejects start after end', async (t) => {
  const queries = [
    'start=2025-08-02&end=2025-08-01',
    'start=2025-08-01T12:00:00&end=2025-08-01T11:59:59',
    'start=2025-08-01T00:00:00%2B02:00&end=2025-07-31T21:00:00Z',
  ];
  for (const query of queries) {
    t.test(query, async (t) => {
      assertBadRequest(t, await calendar(app, query), ['start']);
    });
  }
  const sameDay = await calendar(app, 'start=2025-08-01&end=2025-08-01');
  t.equal(sameDay.status, 200);
});

t.test('calendar limits window to 400 days', async (t) => {
  const accepted = [
    'start=2025-01-01T00:00:00Z&end=2026-02-05T00:00:00Z',
    'start=2025-01-01&end=2026-02-04',
  ];
  for (const query of accepted) {
    const response = await calendar(app, query);
    t.equal(response.status, 200, query);
    t.equal(response.json.success, true, query);
  }
  const rejected = [
    'start=2025-01-01T00:00:00Z&end=2026-02-05T00:00:01Z',
    'start=2025-01-01&end=2026-02-05',
    'start=2020-01-01&end=2025-12-31',
  ];
  for (const query of rejected) {
    t.test(query, async (t) => {
      assertBadRequest(t, await calendar(app, query), ['400 days']);
    });
  }
});

t.test('calendar uses first repeated value', async (t) => {
  const mac = randomMac();
  await createSession(t, app, { mac, start_time: '2025-07-22T10:00:00', end_time: '2025-07-22T11:00:00' });
  const queries = [
    `start=2025-07-22&end=2025-07-22&start=2025-07-25&end=2025-07-26&mac=${mac}`,
    `start=2025-07-22&start=2025-07-25&end=2025-07-22&end=2025-07-21&mac=${mac}`,
    `start=2025-07-22&start=invalid&end=2025-07-22&end=invalid&mac=${mac}`,
    `start=2025-07-22&end=2025-07-22&mac=${mac}&mac=zz`,
  ];
  for (const query of queries) {
    const response = await calendar(app, query);
    t.equal(response.status, 200, query);
    t.strictSame(resourceIds(response), [mac], query);
  }
  const later = await calendar(app,
    `start=2025-07-25&end=2025-07-26&start=2025-07-22&end=2025-07-22&mac=${mac}`);
  t.equal(later.status, 200);
  t.strictSame(resourceIds(later), []);
});

t.test('calendar ignores FullCalendar cache key', async (t) => {
  const mac = randomMac();
  await createSession(t, app, { mac, start_time: '2025-07-23T10:00:00', end_time: '2025-07-23T11:00:00' });
  const response = await calendar(app, `start=2025-07-23&end=2025-07-23&mac=${mac}&_=1690000000`);
  t.equal(response.status, 200);
  t.strictSame(resourceIds(response), [mac]);
});

t.test('calendar orders newest connection first', async (t) => {
  const earliest = randomMac();
  const firstAtTen = randomMac();
  const secondAtTen = randomMac();
  const latest = randomMac();
  const day = '2025-07-24';
  await createSession(t, app, {
    mac: firstAtTen, start_time: `${day}T10:00:00`, end_time: `${day}T11:00:00`,
  });
  await createSession(t, app, { mac: latest, start_time: `${day}T12:00:00`, end_time: `${day}T13:00:00` });
  await createSession(t, app, {
    mac: earliest, start_time: `${day}T08:00:00`, end_time: `${day}T09:00:00`,
  });
  await createSession(t, app, {
    mac: secondAtTen, start_time: `${day}T10:00:00`, end_time: `${day}T10:30:00`,
  });
  const response = await calendar(app, `start=${day}&end=${day}`);
  t.equal(response.status, 200);
  const ours = [earliest, firstAtTen, secondAtTen, latest];
  const ids = resourceIds(response).filter((id) => ours.includes(id));
  // Equal connections: the session created later has the higher id.
  t.strictSame(ids, [latest, secondAtTen, firstAtTen, earliest]);
});

t.test('calendar rejects invalid values', async (t) => {
  const cases = [
    { query: 'start=2025-02-30&end=2025-03-01', field: 'start' },
    { query: 'start=2025-08-01&end=2025-13-01', field: 'end' },
    { query: 'start=yesterday&end=2025-08-01', field: 'start' },
    { query: 'start=2025-08-01T25:00:00&end=2025-08-02', field: 'start' },
    { query: 'start=2025-08-01&end=2025-08-02T10:61:00', field: 'end' },
    { query: 'start=2025-08-01T00:00:00%2B19:00&end=2025-08-02', field: 'start' },
    { query: 'start=2025-08-01&end=2025-08-02&mac=zz:zz:zz:zz:zz:zz', field: 'mac' },
    { query: 'start=2025-08-01&end=2025-08-02&mac=AA:BB:CC:DD:EE', field: 'mac' },
    { query: 'start=2025-08-01&end=2025-08-02&mac=AA:BB-CC:DD:EE:FF', field: 'mac' },
    { query: 'start=2025-08-01&end=2025-08-02&mac=%C3%84%C3%84', field: 'mac' },
    { query: 'start=%FF&end=2025-08-02', field: 'start' },
    { query: 'start=%00&end=2025-08-02', field: 'start' },
    { query: 'start=0001-01-01T00:00:00%2B01:00&end=2025-08-02', field: 'start' },
    { query: 'start=2025-08-01T00:00:00%2B02:00:00&end=2025-08-02', field: 'start' },
    { query: `start=${'1'.repeat(5000)}&end=2025-08-02`, field: 'start' },
  ];
  for (const { query, field } of cases) {
    t.test(query.slice(0, 60), async (t) => {
      assertBadRequest(t, await calendar(app, query), [field]);
    });
  }
});

t.test('calendar accepts extreme dates', async (t) => {
  const queries = [
    'start=0001-01-01&end=0001-01-01',
    'start=9999-12-31&end=9999-12-31',
    'start=9999-12-31T00:00:00Z&end=9999-12-31T23:59:59Z',
  ];
  for (const query of queries) {
    const response = await calendar(app, query);
    t.equal(response.status, 200, query);
    t.strictSame(response.json?.sessions, [], query);
  }
});

t.test('calendar in Europe/Berlin', async (t) => {
  t.test('renders wall times in zone', async (t) => {
    const mac = randomMac();
    await createSession(t, berlin, {
      mac, ip: '192.168.1.10', start_time: '2025-08-02T08:00:00Z', end_time: '2025-08-02T10:00:00Z',
    });
    const response = await calendar(berlin, `start=2025-08-02&end=2025-08-02&mac=${mac}`);
    t.equal(response.status, 200);
    const item = response.json.sessions[0];
    t.equal(item.start, '2025-08-02T10:00:00');
    t.equal(item.end, '2025-08-02T12:00:00');
    t.equal(item.tooltip,
      'Connection: 2025-08-02 10:00\nDisconnection: 2025-08-02 12:00\nIP: 192.168.1.10');
  });

  t.test('reads dates as local midnight', async (t) => {
    const afterMidnight = randomMac();
    const nextDay = randomMac();
    // 00:30 in Berlin on 2025-08-05 and on 2025-08-06.
    await createSession(t, berlin, {
      mac: afterMidnight, start_time: '2025-08-04T22:30:00Z', end_time: '2025-08-04T22:45:00Z',
    });
    await createSession(t, berlin, {
      mac: nextDay, start_time: '2025-08-05T22:30:00Z', end_time: '2025-08-05T22:45:00Z',
    });
    const first = await calendar(berlin, `start=2025-08-05&end=2025-08-05&mac=${afterMidnight}`);
    t.equal(first.status, 200);
    t.equal(first.json.sessions.length, 1);
    t.equal(first.json.sessions[0].start, '2025-08-05T00:30:00');
    const second = await calendar(berlin, `start=2025-08-05&end=2025-08-05&mac=${nextDay}`);
    t.equal(second.status, 200);
    t.equal(second.json.sessions.length, 0);
  });

  t.test('reads FullCalendar bounds', async (t) => {
    const mac = randomMac();
    await createSession(t, berlin, {
      mac, start_time: '2025-08-07T00:15:00', end_time: '2025-08-07T00:45:00',
    });
    for (const plus of ['%2B', '+']) {
      const query = `start=2025-08-07T00:00:00${plus}02:00&end=2025-08-07T01:00:00${plus}02:00`;
      const response = await calendar(berlin, `${query}&mac=${mac}`);
      t.equal(response.status, 200, query);
      t.strictSame(resourceIds(response), [mac], query);
    }
  });

  t.test('renders session across fall-back', async (t) => {
    // 01:30 CEST to 03:30 CET on 2025-10-26 is three hours.
    const mac = randomMac();
    await createSession(t, berlin, {
      mac, ip: '192.168.1.40',
      start_time: '2025-10-26T01:30:00+02:00', end_time: '2025-10-26T03:30:00+01:00',
    });
    const response = await calendar(berlin, `start=2025-10-26&end=2025-10-26&mac=${mac}`);
    t.equal(response.status, 200);
    t.equal(response.json.sessions.length, 1);
    const item = response.json.sessions[0];
    t.equal(item.start, '2025-10-26T01:30:00');
    t.equal(item.end, '2025-10-26T03:30:00');
    t.equal(item.tooltip,
      'Connection: 2025-10-26 01:30\nDisconnection: 2025-10-26 03:30\nIP: 192.168.1.40');
  });

  t.test('date end covers 25-hour day', async (t) => {
    // 2025-10-26 has 25 hours in Berlin: 23:30 CET is 22:30Z.
    const mac = randomMac();
    await createSession(t, berlin, {
      mac, start_time: '2025-10-26T22:30:00Z', end_time: '2025-10-26T22:45:00Z',
    });
    const response = await calendar(berlin, `start=2025-10-26&end=2025-10-26&mac=${mac}`);
    t.equal(response.status, 200);
    t.equal(response.json.sessions.length, 1);
    t.equal(response.json.sessions[0].start, '2025-10-26T23:30:00');
  });

  t.test('ambiguous wall time means earlier', async (t) => {
    // 02:30 occurs twice on 2025-10-26, and the earlier one is 00:30Z.
    const mac = randomMac();
    await createSession(t, berlin, {
      mac, start_time: '2025-10-26T00:20:00Z', end_time: '2025-10-26T00:40:00Z',
    });
    const response = await calendar(berlin,
      `start=2025-10-26T02:30:00&end=2025-10-26T02:35:00&mac=${mac}`);
    t.equal(response.status, 200);
    t.strictSame(resourceIds(response), [mac]);
  });

  t.test('rejects wall time in gap', async (t) => {
    assertBadRequest(t, await calendar(berlin, 'start=2025-03-30T02:30:00&end=2025-03-31'),
      ['start']);
  });
});

t.test('calendar 400 days counts local days', async (t) => {
  // Both windows hold a fall-back change, which makes one local day 25 hours.
  const accepted = await calendar(berlin, 'start=2025-10-01&end=2026-11-04');
  t.equal(accepted.status, 200, '400 local days');
  const rejected = await calendar(berlin, 'start=2025-10-01&end=2026-11-05');
  t.equal(rejected.status, 400, '401 local days');
});
