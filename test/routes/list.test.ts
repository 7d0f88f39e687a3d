import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildTestApp, fixedClock, randomMac, send } from '../helpers.js';

type Reply = Awaited<ReturnType<typeof send>>;

const example = {
  mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
  start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
  event_type_conn: 'Connected', event_type_disc: 'Disconnected',
};

// The clock of the UTC apps, so that 2025-08-10 is today.
const NOW = '2025-08-10T15:00:00Z';

/** Creates a session through the API and returns its ses_ID. A failed create fails the test. */
async function createSession(
  t: Test,
  app: FastifyInstance,
  mac: string,
  start: string,
  end?: string,
  extra: Record<string, string> = {},
): Promise<number> {
  const response = await send(app, 'POST', '/sessions/create', {
    mac, ip: '192.168.1.10', start_time: start,
    ...(end === undefined ? {} : { end_time: end }), ...extra,
  });
  t.equal(response.status, 200, `create ${mac} from ${start}`);
  return response.json?.session?.ses_ID;
}

function list(app: FastifyInstance, query = ''): Promise<Reply> {
  return send(app, 'GET', `/sessions/list${query}`);
}

async function listIds(app: FastifyInstance, query = ''): Promise<number[]> {
  const response = await list(app, query);
  return response.json?.sessions?.map((row: any) => row.ses_ID);
}

function macQuery(mac: string): string {
  return `mac=${encodeURIComponent(mac)}`;
}

/** Asserts each expected key of `actual` on its own, named by the key. */
function assertFields(t: Test, actual: any, expected: Record<string, unknown>) {
  for (const [key, value] of Object.entries(expected)) t.equal(actual?.[key], value, key);
}

/** Asserts the error envelope with its status, and that the message names `word`. */
function assertError(t: Test, response: Reply, status: number, word?: string) {
  t.equal(response.status, status, 'status');
  t.equal(response.json?.success, false, 'success');
  t.type(response.json?.error, 'string', 'error code');
  t.type(response.json?.message, 'string', 'message');
  if (word !== undefined) t.ok(response.json?.message?.includes(word), `message names ${word}`);
}

t.test('list returns published example', async (t) => {
  const app = await buildTestApp(t);
  const created = await send(app, 'POST', '/sessions/create', example);
  t.equal(created.status, 200);
  const response = await list(app,
    '?mac=AA:BB:CC:DD:EE:FF&start_date=2025-08-01&end_date=2025-08-21');
  t.equal(response.status, 200);
  t.equal(response.json?.success, true);
  t.equal(response.json?.sessions?.length, 1);
  assertFields(t, response.json?.sessions?.[0], {
    ses_MAC: 'AA:BB:CC:DD:EE:FF',
    ses_Connection: '2025-08-01 10:00',
    ses_Disconnection: '2025-08-01 12:00',
    ses_Duration: '2h 0m',
    ses_IP: '192.168.1.10',
    ses_Info: '',
  });
});

t.test('list without filters returns all', async (t) => {
  const app = await buildTestApp(t, { clock: fixedClock(NOW) });
  const first = randomMac();
  const ids = [
    await createSession(t, app, first, '2025-08-01T10:00:00', '2025-08-01T11:00:00'),
    await createSession(t, app, first, '2025-08-02T10:00:00'),
    await createSession(t, app, randomMac(), '2025-07-01T10:00:00', '2025-07-01T11:00:00'),
    await createSession(t, app, 'Internet', '2025-08-09T10:00:00', '2025-08-09T11:00:00'),
  ];
  const expected = [ids[3], ids[1], ids[0], ids[2]];
  const cases = [
    { name: 'no query', query: '' },
    { name: 'empty mac', query: '?mac=' },
    { name: 'empty dates', query: '?start_date=&end_date=' },
    { name: 'unknown key', query: '?_=123' },
    { name: 'unknown keys and empty mac', query: '?_=1754042400000&mac=&foo=bar' },
  ];
  for (const { name, query } of cases) {
    t.test(name, async (t) => {
      const response = await list(app, query);
      t.equal(response.status, 200);
      t.same(response.json?.sessions?.map((row: any) => row.ses_ID), expected);
    });
  }
});

t.test('list on one app', async (t) => {
  const app = await buildTestApp(t, { clock: fixedClock(NOW) });

  t.test('list returns machine fields', async (t) => {
    const mac = randomMac();
    await createSession(t, app, mac, '2025-08-01T10:00:00', '2025-08-01T12:00:00',
      { additional_info: 'from the lease file' });
    const [row] = (await list(app, `?${macQuery(mac)}`)).json.sessions;
    t.ok(Number.isInteger(row.ses_ID), 'ses_ID is an integer');
    assertFields(t, row, {
      ses_MAC: mac,
      ses_IP: '192.168.1.10',
      ses_EventTypeConnection: 'Connected',
      ses_Connection: '2025-08-01 10:00',
      ses_EventTypeDisconnection: 'Disconnected',
      ses_Disconnection: '2025-08-01 12:00',
      ses_Duration: '2h 0m',
      ses_Info: 'from the lease file',
      ses_StillConnected: false,
      ses_ConnectionTime: '2025-08-01T10:00:00+00:00',
      ses_DisconnectionTime: '2025-08-01T12:00:00+00:00',
      ses_DurationSeconds: 7200,
    });
  });

  t.test('list counts open session to now', async (t) => {
    const mac = randomMac();
    await createSession(t, app, mac, '2025-08-10T09:00:00', undefined,
      { event_type_disc: 'Timeout' });
    const [row] = (await list(app, `?${macQuery(mac)}`)).json.sessions;
    assertFields(t, row, {
      ses_Connection: '2025-08-10 09:00',
      ses_Disconnection: '...',
      ses_EventTypeDisconnection: null,
      ses_DisconnectionTime: null,
      ses_StillConnected: true,
      ses_Duration: '6h 0m',
      ses_DurationSeconds: 21600,
    });
  });

  t.test('list formats durations from one day', async (t) => {
    const cases = [
      { start: '2025-07-01T00:00:00', end: '2025-07-04T04:12:30', text: '3d 4h 12m',
        seconds: 274350 },
      { start: '2025-07-05T00:00:00', end: '2025-07-05T00:00:59', text: '0h 0m', seconds: 59 },
      { start: '2025-07-06T00:00:00', end: '2025-07-06T23:59:59', text: '23h 59m',
        seconds: 86399 },
      { start: '2025-07-07T00:00:00', end: '2025-07-08T00:00:00', text: '1d 0h 0m',
        seconds: 86400 },
    ];
    for (const { start, end, text, seconds } of cases) {
      const mac = randomMac();
      await createSession(t, app, mac, start, end);
      const [row] = (await list(app, `?${macQuery(mac)}`)).json.sessions;
      t.equal(row?.ses_Duration, text, `${start} to ${end} text`);
      t.equal(row?.ses_DurationSeconds, seconds, `${start} to ${end} seconds`);
    }
  });

  t.test('list shows missing event side', async (t) => {
    const mac = randomMac();
    const closedId = await createSession(t, app, mac, '2025-08-01T10:00:00');
    const openId = await createSession(t, app, mac, '2025-08-01T11:00:00');
    const sessions = (await list(app, `?${macQuery(mac)}`)).json.sessions;
    t.same(sessions.map((row: any) => row.ses_ID), [openId, closedId], 'newest first');
    assertFields(t, sessions[1], {
      ses_Connection: '2025-08-01 10:00',
      ses_EventTypeDisconnection: '<missing event>',
      ses_Disconnection: '<missing event>',
      ses_DisconnectionTime: null,
      ses_Duration: '...',
      ses_DurationSeconds: null,
      ses_StillConnected: false,
    });
  });

  t.test('list filters MAC in any spelling', async (t) => {
    const hex = randomBytes(6).toString('hex').toUpperCase();
    const mac = hex.match(/../g)!.join(':');
    const ids = [
      await createSession(t, app, mac, '2025-08-01T10:00:00', '2025-08-01T11:00:00'),
      await createSession(t, app, mac, '2025-08-02T10:00:00', '2025-08-02T11:00:00'),
    ];
    await createSession(t, app, randomMac(), '2025-08-02T10:00:00', '2025-08-02T11:00:00');
    const spellings = [
      mac, mac.toLowerCase(), hex.match(/../g)!.join('-'),
      hex.match(/../g)!.join('-').toLowerCase(),
      hex.match(/..../g)!.join('.').toLowerCase(), hex, hex.toLowerCase(),
    ];
    for (const spelling of spellings) {
      t.same(await listIds(app, `?${macQuery(spelling)}`), [ids[1], ids[0]], spelling);
    }
  });

  t.test('list filters Internet in any case', async (t) => {
    const id = await createSession(t, app, 'Internet',
      '2025-06-01T10:00:00', '2025-06-01T11:00:00');
    for (const spelling of ['Internet', 'internet', 'INTERNET']) {
      const response = await list(app, `?mac=${spelling}`);
      t.equal(response.status, 200, `${spelling} status`);
      t.same(response.json?.sessions?.map((row: any) => row.ses_ID), [id], `${spelling} ids`);
      t.equal(response.json?.sessions?.[0]?.ses_MAC, 'Internet', `${spelling} ses_MAC`);
    }
  });

  t.test('list rejects invalid MAC filter', async (t) => {
    const values = ['AA:BB:CC:DD:EE', 'AA:BB:CC:DD:EE:FG', 'aabb.ccdd.eef', 'Internet2', 'all'];
    for (const value of values) {
      t.test(`mac ${JSON.stringify(value)}`, async (t) => {
        const response = await list(app, `?${macQuery(value)}`);
        assertError(t, response, 400, 'mac');
        t.ok(response.json?.message?.includes(value), 'message names value');
      });
    }
  });

  t.test('list keeps sessions from start date', async (t) => {
    const mac = randomMac();
    await createSession(t, app, mac, '2025-08-01T23:59:59', '2025-08-02T00:00:00');
    const atMidnight = await createSession(t, app, mac,
      '2025-08-02T00:00:00', '2025-08-02T01:00:00');
    const later = await createSession(t, app, mac, '2025-08-03T10:00:00', '2025-08-03T11:00:00');
    const open = await createSession(t, app, mac, '2025-08-04T10:00:00');
    t.same(await listIds(app, `?${macQuery(mac)}&start_date=2025-08-02`),
      [open, later, atMidnight]);
    t.same(await listIds(app, `?${macQuery(mac)}&start_date=2025-08-04`), [open]);
    t.same(await listIds(app, `?${macQuery(mac)}&start_date=2025-08-05`), []);
  });

  t.test('list keeps sessions ended by end date', async (t) => {
    const mac = randomMac();
    const early = await createSession(t, app, mac, '2025-08-01T10:00:00', '2025-08-01T11:00:00');
    const atMidnight = await createSession(t, app, mac,
      '2025-08-02T23:00:00', '2025-08-03T00:00:00');
    await createSession(t, app, mac, '2025-08-03T00:00:00', '2025-08-03T00:00:01');
    await createSession(t, app, mac, '2025-08-03T23:00:00', '2025-08-04T00:01:00');
    t.same(await listIds(app, `?${macQuery(mac)}&end_date=2025-08-02`), [atMidnight, early]);
    t.same(await listIds(app, `?${macQuery(mac)}&end_date=2025-07-31`), []);
    t.same(await listIds(app, `?${macQuery(mac)}&start_date=2025-08-02&end_date=2025-08-02`),
      [atMidnight]);
  });

  t.test('list counts open session ending now', async (t) => {
    const mac = randomMac();
    const closed = await createSession(t, app, mac, '2025-08-09T08:00:00', '2025-08-09T09:00:00');
    const open = await createSession(t, app, mac, '2025-08-10T09:00:00');
    const cases = [
      { query: 'end_date=2025-08-10', ids: [open, closed] },
      { query: 'start_date=2025-08-10&end_date=2025-08-10', ids: [open] },
      { query: 'end_date=2025-08-09', ids: [closed] },
      { query: 'end_date=2025-12-31', ids: [open, closed] },
      { query: 'start_date=2025-09-01', ids: [] },
    ];
    for (const { query, ids } of cases) {
      t.same(await listIds(app, `?${macQuery(mac)}&${query}`), ids, query);
    }
  });

  t.test('list counts earlier open session ending now', async (t) => {
    const mac = randomMac();
    const open = await createSession(t, app, mac, '2025-08-08T09:00:00');
    t.same(await listIds(app, `?${macQuery(mac)}&end_date=2025-08-08`), [], 'connected day');
    t.same(await listIds(app, `?${macQuery(mac)}&end_date=2025-08-10`), [open], 'today');
  });

  t.test('list rejects start date after end date', async (t) => {
    const response = await list(app, '?start_date=2025-08-02&end_date=2025-08-01');
    assertError(t, response, 400, 'start_date');
    const sameDay = await list(app, '?start_date=2025-08-02&end_date=2025-08-02');
    t.equal(sameDay.status, 200, 'same day is accepted');
  });

  t.test('list rejects invalid dates', async (t) => {
    const values = [
      '2025-02-30', '2025-04-31', '2025-13-01', '2025-00-10', '2025-08-00', '2025-8-1',
      '20250801', '2025/08/01', '2025-08-01T00:00:00', 'today', '2023-02-29',
    ];
    for (const field of ['start_date', 'end_date']) {
      for (const value of values) {
        t.test(`${field} ${value}`, async (t) => {
          const response = await list(app, `?${field}=${encodeURIComponent(value)}`);
          assertError(t, response, 400, field);
          t.ok(response.json?.message?.includes(value), 'message names value');
        });
      }
    }
  });

  t.test('list accepts leap day', async (t) => {
    const response = await list(app, '?start_date=2024-02-29&end_date=2024-02-29');
    t.equal(response.status, 200);
    t.same(response.json?.sessions, []);
  });

  t.test('list orders newest first then id', async (t) => {
    // 2025-05-15 is used by this case only, so the date filters isolate it.
    const first = randomMac();
    const second = randomMac();
    const noon = await createSession(t, app, first, '2025-05-15T12:00:00', '2025-05-15T13:00:00');
    const lowerId = await createSession(t, app, first,
      '2025-05-15T10:00:00', '2025-05-15T11:00:00');
    const higherId = await createSession(t, app, second,
      '2025-05-15T10:00:00', '2025-05-15T11:00:00');
    const morning = await createSession(t, app, second,
      '2025-05-15T08:00:00', '2025-05-15T09:00:00');
    t.ok(higherId > lowerId, 'ids grow in creation order');
    t.same(await listIds(app, '?start_date=2025-05-15&end_date=2025-05-15'),
      [noon, higherId, lowerId, morning]);
  });

  t.test('list uses first repeated query value', async (t) => {
    const first = randomMac();
    const second = randomMac();
    const firstId = await createSession(t, app, first,
      '2025-08-01T10:00:00', '2025-08-01T11:00:00');
    await createSession(t, app, second, '2025-08-01T10:00:00', '2025-08-01T11:00:00');
    t.same(await listIds(app, `?${macQuery(first)}&${macQuery(second)}`), [firstId], 'mac');
    t.same(await listIds(app, `?${macQuery(first)}&start_date=2025-08-02&start_date=2025-07-01`),
      [], 'start_date');
    t.same(await listIds(app, `?${macQuery(first)}&end_date=2025-08-01&end_date=2025-07-01`),
      [firstId], 'end_date');
    const invalidSecond = await list(app, `?${macQuery(first)}&mac=not-a-mac`);
    t.equal(invalidSecond.status, 200, 'a second invalid mac is ignored');
  });

  t.test('list ignores unknown query keys', async (t) => {
    const mac = randomMac();
    const id = await createSession(t, app, mac, '2025-08-01T10:00:00', '2025-08-01T11:00:00');
    t.same(await listIds(app, `?${macQuery(mac)}&_=123`), [id], '_');
    t.same(await listIds(app, `?_=123&${macQuery(mac)}&period=7%20days`), [id], 'several');
  });

  t.test('list treats empty values as absent', async (t) => {
    const mac = randomMac();
    const id = await createSession(t, app, mac, '2025-08-01T10:00:00', '2025-08-01T11:00:00');
    t.same(await listIds(app, `?start_date=&${macQuery(mac)}&end_date=`), [id], 'dates');
    const all = await list(app, '?mac=');
    t.equal(all.status, 200, 'empty mac status');
    t.ok(all.json?.sessions?.some((row: any) => row.ses_ID === id), 'empty mac lists all');
  });
});

t.test('list in Europe/Berlin', async (t) => {
  // 2025-08-10T22:30Z is 00:30 on 2025-08-11 in Berlin.
  const app = await buildTestApp(t, {
    env: { TIMEZONE: 'Europe/Berlin' }, clock: fixedClock('2025-08-10T22:30:00Z'),
  });

  t.test('list renders Berlin wall time', async (t) => {
    const mac = randomMac();
    await createSession(t, app, mac, '2025-08-01T10:00:00Z', '2025-08-01T12:00:00Z');
    const [row] = (await list(app, `?${macQuery(mac)}`)).json.sessions;
    assertFields(t, row, {
      ses_Connection: '2025-08-01 12:00',
      ses_Disconnection: '2025-08-01 14:00',
      ses_ConnectionTime: '2025-08-01T12:00:00+02:00',
      ses_DisconnectionTime: '2025-08-01T14:00:00+02:00',
    });
  });

  t.test('list uses Berlin midnight for start date', async (t) => {
    const mac = randomMac();
    await createSession(t, app, mac, '2025-07-31T21:30:00Z', '2025-07-31T21:45:00Z');
    const after = await createSession(t, app, mac, '2025-07-31T22:00:00Z', '2025-07-31T22:30:00Z');
    t.same(await listIds(app, `?${macQuery(mac)}&start_date=2025-08-01`), [after]);
  });

  t.test('list uses Berlin midnight for end date', async (t) => {
    const mac = randomMac();
    const before = await createSession(t, app, mac, '2025-08-01T21:00:00Z', '2025-08-01T22:00:00Z');
    await createSession(t, app, mac, '2025-08-01T22:00:00Z', '2025-08-01T22:30:00Z');
    t.same(await listIds(app, `?${macQuery(mac)}&end_date=2025-08-01`), [before]);
  });

  t.test('list uses Berlin today for open session', async (t) => {
    const mac = randomMac();
    const open = await createSession(t, app, mac, '2025-08-10T22:15:00Z');
    t.same(await listIds(app, `?${macQuery(mac)}&end_date=2025-08-11`), [open], 'local today');
    t.same(await listIds(app, `?${macQuery(mac)}&end_date=2025-08-10`), [], 'UTC date');
    const [row] = (await list(app, `?${macQuery(mac)}`)).json.sessions;
    t.equal(row?.ses_Connection, '2025-08-11 00:15');
    t.equal(row?.ses_Duration, '0h 15m');
  });

  t.test('list measures across DST changes', async (t) => {
    const cases = [
      { start: '2025-03-30T01:30:00', end: '2025-03-30T03:30:00', text: '1h 0m', seconds: 3600 },
      { start: '2024-10-27T01:30:00', end: '2024-10-27T03:30:00', text: '3h 0m',
        seconds: 10800 },
    ];
    for (const { start, end, text, seconds } of cases) {
      const mac = randomMac();
      await createSession(t, app, mac, start, end);
      const [row] = (await list(app, `?${macQuery(mac)}`)).json.sessions;
      t.equal(row?.ses_Duration, text, `${start} to ${end} text`);
      t.equal(row?.ses_DurationSeconds, seconds, `${start} to ${end} seconds`);
    }
  });
});

t.test('list requires bearer token', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: 'list-test-token' } });
  const missing = await list(app);
  assertError(t, missing, 401);
  t.equal(missing.headers['www-authenticate'], 'Bearer');
  const inQuery = await list(app, '?token=list-test-token&access_token=list-test-token');
  assertError(t, inQuery, 401);
  const accepted = await send(app, 'GET', '/sessions/list', undefined,
    { authorization: 'bearer list-test-token' });
  t.equal(accepted.status, 200);
  t.same(accepted.json?.sessions, []);
});
