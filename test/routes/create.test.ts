import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { openPostgres } from '../../db/connect.js';
import { buildTestApp, fixedClock, quietLogger, randomMac, send } from '../helpers.js';

type Reply = Awaited<ReturnType<typeof send>>;

const example = {
  mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
  start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
  event_type_conn: 'Connected', event_type_disc: 'Disconnected',
};

// The shared app's clock, later than every instant that its cases record.
const NOW = '2025-09-01T12:00:00Z';

function body(mac: string, start: string, end?: string, extra: Record<string, string> = {}) {
  return {
    mac, ip: '192.168.1.10', start_time: start,
    ...(end === undefined ? {} : { end_time: end }), ...extra,
  };
}

function create(app: FastifyInstance, payload: unknown): Promise<Reply> {
  return send(app, 'POST', '/sessions/create', payload);
}

async function listDevice(app: FastifyInstance, mac: string): Promise<any[]> {
  const response = await send(app, 'GET', `/sessions/list?mac=${encodeURIComponent(mac)}`);
  return response.json.sessions;
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
  t.notOk(/\bat .+:\d+:\d+/.test(response.text), 'no stack trace');
}

t.test('create stores published example', async (t) => {
  const app = await buildTestApp(t);
  const response = await send(app, 'POST', '/sessions/create', example);
  t.equal(response.status, 200);
  t.equal(response.json.message, 'Session created for MAC AA:BB:CC:DD:EE:FF');
  t.equal(response.json.success, true);
  t.ok(Number.isInteger(response.json.session.ses_ID), 'ses_ID is an integer');
  assertFields(t, response.json.session, {
    ses_MAC: 'AA:BB:CC:DD:EE:FF',
    ses_IP: '192.168.1.10',
    ses_EventTypeConnection: 'Connected',
    ses_Connection: '2025-08-01 10:00',
    ses_EventTypeDisconnection: 'Disconnected',
    ses_Disconnection: '2025-08-01 12:00',
    ses_Duration: '2h 0m',
    ses_Info: '',
    ses_StillConnected: false,
    ses_ConnectionTime: '2025-08-01T10:00:00+00:00',
    ses_DisconnectionTime: '2025-08-01T12:00:00+00:00',
    ses_DurationSeconds: 7200,
  });
});

t.test('create on one app', async (t) => {
  const app = await buildTestApp(t, { clock: fixedClock(NOW) });

  t.test('create defaults event types', async (t) => {
    const mac = randomMac();
    const response = await create(app, body(mac, '2025-08-01T10:00:00', '2025-08-01T11:00:00'));
    t.equal(response.status, 200);
    t.equal(response.json.session.ses_EventTypeConnection, 'Connected');
    t.equal(response.json.session.ses_EventTypeDisconnection, 'Disconnected');
  });

  t.test('create keeps given event types', async (t) => {
    const mac = randomMac();
    const response = await create(app, body(mac, '2025-08-01T10:00:00', '2025-08-01T11:00:00', {
      event_type_conn: 'New Device', event_type_disc: 'Device Down',
    }));
    t.equal(response.status, 200);
    t.equal(response.json.session.ses_EventTypeConnection, 'New Device');
    t.equal(response.json.session.ses_EventTypeDisconnection, 'Device Down');
  });

  t.test('create stores open session', async (t) => {
    const mac = randomMac();
    const response = await create(app, body(mac, '2025-09-01T09:30:00Z'));
    t.equal(response.status, 200);
    assertFields(t, response.json.session, {
      ses_StillConnected: true,
      ses_EventTypeConnection: 'Connected',
      ses_EventTypeDisconnection: null,
      ses_Connection: '2025-09-01 09:30',
      ses_Disconnection: '...',
      ses_ConnectionTime: '2025-09-01T09:30:00+00:00',
      ses_DisconnectionTime: null,
      ses_Duration: '2h 30m',
      ses_DurationSeconds: 9000,
    });
  });

  t.test('create ignores disconnection type without end', async (t) => {
    const mac = randomMac();
    const open = body(mac, '2025-08-01T10:00:00', undefined, { event_type_disc: 'Timeout' });
    const response = await create(app, open);
    t.equal(response.status, 200);
    t.equal(response.json.session.ses_EventTypeDisconnection, null);
    t.equal(response.json.session.ses_StillConnected, true);
    const [stored] = await listDevice(app, mac);
    t.equal(stored.ses_EventTypeDisconnection, null);
    t.equal(stored.ses_Disconnection, '...');
  });

  t.test('create renders given missing events', async (t) => {
    const connection = await create(app, body(randomMac(), '2025-08-01T10:00:00',
      '2025-08-01T11:00:00', { event_type_conn: '<missing event>' }));
    t.equal(connection.status, 200, 'missing connection event');
    assertFields(t, connection.json?.session, {
      ses_EventTypeConnection: '<missing event>',
      ses_Connection: '<missing event>',
      ses_ConnectionTime: null,
      ses_Disconnection: '2025-08-01 11:00',
      ses_DisconnectionTime: '2025-08-01T11:00:00+00:00',
      ses_Duration: '...',
      ses_DurationSeconds: null,
    });
    const disconnection = await create(app, body(randomMac(), '2025-08-01T10:00:00',
      '2025-08-01T11:00:00', { event_type_disc: '<missing event>' }));
    t.equal(disconnection.status, 200, 'missing disconnection event');
    assertFields(t, disconnection.json?.session, {
      ses_Connection: '2025-08-01 10:00',
      ses_ConnectionTime: '2025-08-01T10:00:00+00:00',
      ses_EventTypeDisconnection: '<missing event>',
      ses_Disconnection: '<missing event>',
      ses_DisconnectionTime: null,
      ses_Duration: '...',
      ses_DurationSeconds: null,
      ses_StillConnected: false,
    });
  });

  t.test('create stores additional info', async (t) => {
    const mac = randomMac();
    const info = 'lease renewed by dhcpd';
    const response = await create(app, body(mac, '2025-08-01T10:00:00', '2025-08-01T11:00:00', {
      additional_info: info,
    }));
    t.equal(response.status, 200);
    t.equal(response.json.session.ses_Info, info);
  });

  t.test('create enforces text lengths', async (t) => {
    const cases = [
      { field: 'event_type_conn', length: 30, status: 200 },
      { field: 'event_type_conn', length: 31, status: 400 },
      { field: 'event_type_disc', length: 30, status: 200 },
      { field: 'event_type_disc', length: 31, status: 400 },
      { field: 'additional_info', length: 250, status: 200 },
      { field: 'additional_info', length: 251, status: 400 },
    ];
    const responseKeys: Record<string, string> = {
      event_type_conn: 'ses_EventTypeConnection',
      event_type_disc: 'ses_EventTypeDisconnection',
      additional_info: 'ses_Info',
    };
    for (const { field, length, status } of cases) {
      const text = 'x'.repeat(length);
      const mac = randomMac();
      const response = await create(app, body(mac, '2025-08-01T10:00:00', '2025-08-01T11:00:00', {
        [field]: text,
      }));
      if (status === 200) {
        t.equal(response.status, 200, `${field} of ${length}`);
        t.equal(response.json.session[responseKeys[field]!], text, `${field} stored`);
      } else {
        t.test(`${field} of ${length} characters`, async (t) => {
          assertError(t, response, 400, field);
        });
        t.equal((await listDevice(app, mac)).length, 0, `${field} of ${length} not stored`);
      }
    }
  });

  t.test('create rejects end not after start', async (t) => {
    const cases = [
      { name: 'end equal to start', end: '2025-08-01T10:00:00' },
      { name: 'end before start', end: '2025-08-01T09:59:59' },
      { name: 'end one microsecond before', end: '2025-08-01T09:59:59.999999' },
    ];
    for (const { name, end } of cases) {
      t.test(name, async (t) => {
        const mac = randomMac();
        const response = await create(app, body(mac, '2025-08-01T10:00:00', end));
        assertError(t, response, 400, 'end_time');
        t.equal((await listDevice(app, mac)).length, 0, 'nothing stored');
      });
    }
  });

  t.test('create rejects future instants', async (t) => {
    // NOW is 2025-09-01T12:00:00Z, and an instant exactly five minutes ahead is accepted.
    const cases = [
      { name: 'start five minutes ahead', start: '2025-09-01T12:05:00Z', status: 200 },
      { name: 'start just over five minutes', start: '2025-09-01T12:05:00.000001Z',
        status: 400, field: 'start_time' },
      { name: 'start an hour ahead', start: '2025-09-01T13:00:00Z', status: 400,
        field: 'start_time' },
      { name: 'end five minutes ahead', start: '2025-09-01T11:00:00Z',
        end: '2025-09-01T12:05:00Z', status: 200 },
      { name: 'end six minutes ahead', start: '2025-09-01T11:00:00Z',
        end: '2025-09-01T12:06:00Z', status: 400, field: 'end_time' },
      { name: 'naive start ahead', start: '2025-09-01T12:10:00', status: 400,
        field: 'start_time' },
    ];
    for (const { name, start, end, status, field } of cases) {
      t.test(name, async (t) => {
        const response = await create(app, body(randomMac(), start, end));
        if (status === 200) t.equal(response.status, 200);
        else assertError(t, response, status, field);
      });
    }
  });

  t.test('create accepts instant forms', async (t) => {
    const cases = [
      { start: '2025-08-01T10:00:00', iso: '2025-08-01T10:00:00+00:00' },
      { start: '2025-08-01 10:00:00', iso: '2025-08-01T10:00:00+00:00' },
      { start: '2025-08-01T10:00', iso: '2025-08-01T10:00:00+00:00' },
      { start: '2025-08-01 10:00', iso: '2025-08-01T10:00:00+00:00' },
      { start: '2025-08-01T10:00:00.5', iso: '2025-08-01T10:00:00.500000+00:00' },
      { start: '2025-08-01T10:00:00.250Z', iso: '2025-08-01T10:00:00.250000+00:00' },
      { start: '2025-08-01T10:00:00Z', iso: '2025-08-01T10:00:00+00:00' },
      { start: '2025-08-01T12:00:00+02:00', iso: '2025-08-01T10:00:00+00:00' },
      { start: '2025-08-01 05:30:00-04:30', iso: '2025-08-01T10:00:00+00:00' },
    ];
    for (const { start, iso } of cases) {
      const response = await create(app, body(randomMac(), start, '2025-08-01T11:00:00Z'));
      t.equal(response.status, 200, `${start} status`);
      t.equal(response.json?.session?.ses_ConnectionTime, iso, `${start} instant`);
    }
  });

  t.test('create rejects invalid instants', async (t) => {
    const values = [
      '', 'yesterday', '2025-08-01', '10:00:00', '2025/08/01 10:00', '2025-08-01T10',
      '2025-13-01T10:00:00', '2025-02-30T10:00:00', '2025-08-01T24:00:00',
      '2025-08-01T10:60:00', '2025-08-01T10:00:61', '2025-08-01T10:00:00+25:00',
      '2025-08-01T10:00:00 UTC', '1754042400',
    ];
    for (const field of ['start_time', 'end_time']) {
      for (const value of values) {
        t.test(`${field} ${JSON.stringify(value)}`, async (t) => {
          const payload = field === 'start_time'
            ? body(randomMac(), value, '2025-08-01T11:00:00')
            : body(randomMac(), '2025-08-01T10:00:00', value);
          assertError(t, await create(app, payload), 400, field);
        });
      }
    }
  });

  t.test('create canonicalises MAC spellings', async (t) => {
    const spellings = (hex: string) => [
      hex.match(/../g)!.join(':').toLowerCase(),
      hex.match(/../g)!.join('-'),
      hex.match(/../g)!.join('-').toLowerCase(),
      hex.match(/..../g)!.join('.').toLowerCase(),
      hex,
      hex.toLowerCase(),
    ];
    const hex = randomBytes(6).toString('hex').toUpperCase();
    const canonical = hex.match(/../g)!.join(':');
    for (const [index, spelling] of spellings(hex).entries()) {
      // Each spelling gets its own hour, because all of them name one device.
      const start = `2025-08-02T${10 + index}:00:00`;
      const response = await create(app, body(spelling, start, `2025-08-02T${10 + index}:30:00`));
      t.equal(response.status, 200, `${spelling} status`);
      t.equal(response.json?.session?.ses_MAC, canonical, `${spelling} stored as ${canonical}`);
      t.equal(response.json?.message, `Session created for MAC ${canonical}`,
        `${spelling} message`);
    }
    t.equal((await listDevice(app, canonical)).length, 6, 'one device for every spelling');
  });

  t.test('create accepts Internet as MAC', async (t) => {
    const spellings = ['Internet', 'internet', 'INTERNET'];
    for (const [index, spelling] of spellings.entries()) {
      const start = `2025-08-03T1${index}:00:00`;
      const response = await create(app, body(spelling, start, `2025-08-03T1${index}:30:00`));
      t.equal(response.status, 200, `${spelling} status`);
      t.equal(response.json?.session?.ses_MAC, 'Internet', `${spelling} stored`);
      t.equal(response.json?.message, 'Session created for MAC Internet', `${spelling} message`);
    }
    t.equal((await listDevice(app, 'internet')).length, 3, 'one device for every spelling');
  });

  t.test('create rejects invalid MACs', async (t) => {
    const values = [
      '', 'AA:BB:CC:DD:EE', 'AA:BB:CC:DD:EE:FF:00', 'AA:BB:CC:DD:EE:FG', 'AA-BB:CC-DD-EE-FF',
      'AA:BB:CC:DD:EEFF', 'aabb.ccdd.eef', 'aabbccddeef', 'aabbccddeeff0', 'Internet2',
      'the wan side', 'AA BB CC DD EE FF',
    ];
    for (const value of values) {
      t.test(`mac ${JSON.stringify(value)}`, async (t) => {
        const response = await create(app, body(value, '2025-08-01T10:00:00'));
        assertError(t, response, 400, 'mac');
        if (value !== '') t.ok(response.json?.message?.includes(value), 'message names value');
      });
    }
  });

  t.test('create rejects invalid IPs', async (t) => {
    const values = [
      '', 'not-an-ip', '256.1.1.1', '1.2.3', '1.2.3.4.5', '10.0.0.5/24', '2001:db8::/32',
      'fe80::1%eth0', '2001:db8::g', '2001:db8:::1', '10.0.0.1 10.0.0.2', 'localhost',
    ];
    for (const value of values) {
      t.test(`ip ${JSON.stringify(value)}`, async (t) => {
        const payload = { ...body(randomMac(), '2025-08-01T10:00:00'), ip: value };
        const response = await create(app, payload);
        assertError(t, response, 400, 'ip');
        if (value.trim() !== '') {
          t.ok(response.json?.message?.includes(value), 'message names value');
        }
      });
    }
  });

  t.test('create returns canonical IP text', async (t) => {
    const cases = [
      { ip: '2001:DB8::1', stored: '2001:db8::1' },
      { ip: '2001:0db8:0000:0000:0000:0000:0000:0001', stored: '2001:db8::1' },
      { ip: 'FE80::A', stored: 'fe80::a' },
      { ip: '::ffff:192.168.1.10', stored: '::ffff:192.168.1.10' },
      { ip: '10.0.0.5', stored: '10.0.0.5' },
    ];
    for (const { ip, stored } of cases) {
      const mac = randomMac();
      const response = await create(app, { ...body(mac, '2025-08-01T10:00:00'), ip });
      t.equal(response.status, 200, `${ip} status`);
      t.equal(response.json?.session?.ses_IP, stored, `${ip} returned`);
      t.equal((await listDevice(app, mac))[0]?.ses_IP, stored, `${ip} listed`);
    }
  });

  t.test('create rejects missing and mistyped fields', async (t) => {
    const valid = body(randomMac(), '2025-08-01T10:00:00', '2025-08-01T11:00:00');
    const cases: { name: string; payload: Record<string, unknown>; field: string }[] = [
      { name: 'missing mac', payload: { ...valid, mac: undefined }, field: 'mac' },
      { name: 'missing ip', payload: { ...valid, ip: undefined }, field: 'ip' },
      { name: 'missing start_time', payload: { ...valid, start_time: undefined },
        field: 'start_time' },
      { name: 'mac as number', payload: { ...valid, mac: 12 }, field: 'mac' },
      { name: 'mac as object', payload: { ...valid, mac: { value: 'AA' } }, field: 'mac' },
      { name: 'ip as list', payload: { ...valid, ip: ['10.0.0.1', '10.0.0.2'] }, field: 'ip' },
      { name: 'start_time as object', payload: { ...valid, start_time: {} },
        field: 'start_time' },
      { name: 'end_time as number', payload: { ...valid, end_time: 1754042400 },
        field: 'end_time' },
      { name: 'event type empty', payload: { ...valid, event_type_conn: '' },
        field: 'event_type_conn' },
    ];
    for (const { name, payload, field } of cases) {
      t.test(name, async (t) => {
        assertError(t, await create(app, payload), 400, field);
      });
    }
  });

  t.test('create rejects bodies that are not JSON objects', async (t) => {
    const cases = [
      { name: 'array body', payload: '[1, 2]', type: 'application/json', status: 400 },
      { name: 'string body', payload: '"session"', type: 'application/json', status: 400 },
      { name: 'invalid JSON', payload: '{"mac": ', type: 'application/json', status: 400 },
      { name: 'empty JSON body', payload: '', type: 'application/json', status: 400 },
      { name: 'plain text body', payload: 'mac=AA', type: 'text/plain', status: 415 },
      { name: 'form body', payload: 'mac=AA', type: 'application/x-www-form-urlencoded',
        status: 415 },
    ];
    for (const { name, payload, type, status } of cases) {
      t.test(name, async (t) => {
        const response = await app.inject({
          method: 'POST', url: '/sessions/create', headers: { 'content-type': type }, payload,
        });
        let json: any;
        try {
          json = response.json();
        } catch {
          json = undefined;
        }
        assertError(t, { status: response.statusCode, json, headers: response.headers,
          text: response.body }, status);
      });
    }
  });

  t.test('create rejects body over 1 MiB', async (t) => {
    const payload = body(randomMac(), '2025-08-01T10:00:00', undefined, {
      additional_info: 'x'.repeat(1024 * 1024 + 1),
    });
    assertError(t, await create(app, payload), 413);
  });

  t.test('create rejects overlap with closed session', async (t) => {
    const mac = randomMac();
    const first = await create(app, body(mac, '2025-08-01T10:00:00', '2025-08-01T12:00:00'));
    t.equal(first.status, 200);
    const id = first.json.session.ses_ID;
    const cases = [
      { name: 'overlapping its end', start: '2025-08-01T11:00:00', end: '2025-08-01T13:00:00' },
      { name: 'overlapping its start', start: '2025-08-01T09:00:00', end: '2025-08-01T10:30:00' },
      { name: 'inside it', start: '2025-08-01T10:30:00', end: '2025-08-01T11:00:00' },
      { name: 'around it', start: '2025-08-01T09:00:00', end: '2025-08-01T13:00:00' },
      { name: 'same bounds', start: '2025-08-01T10:00:00', end: '2025-08-01T12:00:00',
        extra: { event_type_conn: 'Reconnected' } },
      { name: 'open from inside it', start: '2025-08-01T11:59:00' },
      { name: 'open from before it', start: '2025-08-01T08:00:00' },
    ];
    for (const { name, start, end, extra } of cases) {
      t.test(name, async (t) => {
        const response = await create(app, body(mac, start, end, extra));
        assertError(t, response, 409);
        t.equal(response.json?.error, 'conflict', 'error code');
        t.match(response.json?.message, new RegExp(`\\bsession ${id}\\b`), 'message names id');
      });
    }
    t.equal((await listDevice(app, mac)).length, 1, 'only the first session is stored');
  });

  t.test('create allows half-open bounds', async (t) => {
    const mac = randomMac();
    const middle = await create(app, body(mac, '2025-08-01T10:00:00', '2025-08-01T12:00:00'));
    t.equal(middle.status, 200, 'session 10:00 to 12:00');
    const after = await create(app, body(mac, '2025-08-01T12:00:00', '2025-08-01T14:00:00'));
    t.equal(after.status, 200, 'session starting at 12:00');
    const before = await create(app, body(mac, '2025-08-01T08:00:00', '2025-08-01T10:00:00'));
    t.equal(before.status, 200, 'session ending at 10:00');
    t.equal((await listDevice(app, mac)).length, 3, 'three sessions stored');
  });

  t.test('create keeps microsecond bounds', async (t) => {
    const mac = randomMac();
    const first = await create(app,
      body(mac, '2025-08-01T09:00:00Z', '2025-08-01T10:00:00.123456Z'));
    t.equal(first.status, 200, 'session ending at .123456');
    t.equal(first.json?.session?.ses_DisconnectionTime, '2025-08-01T10:00:00.123456+00:00');
    const next = await create(app,
      body(mac, '2025-08-01T10:00:00.123456Z', '2025-08-01T11:00:00Z'));
    t.equal(next.status, 200, 'session starting at .123456');
    t.equal(next.json?.session?.ses_ConnectionTime, '2025-08-01T10:00:00.123456+00:00');

    const other = randomMac();
    const closed = await create(app,
      body(other, '2025-08-01T09:00:00Z', '2025-08-01T10:00:00.123456Z'));
    t.equal(closed.status, 200, 'second device ending at .123456');
    const early = await create(app,
      body(other, '2025-08-01T10:00:00.123455Z', '2025-08-01T11:00:00Z'));
    t.equal(early.status, 409, 'session starting one microsecond earlier');
    t.equal((await listDevice(app, other)).length, 1, 'second device keeps one session');
  });

  t.test('create closes open session', async (t) => {
    const mac = randomMac();
    const open = await create(app, body(mac, '2025-08-01T10:00:00'));
    t.equal(open.status, 200, 'open session');
    const later = await create(app, body(mac, '2025-08-01T11:00:00', '2025-08-01T11:30:00'));
    t.equal(later.status, 200, 'later session');
    t.equal(later.json?.session?.ses_StillConnected, false);

    const sessions = await listDevice(app, mac);
    t.equal(sessions.length, 2);
    const closed = sessions.find((row) => row.ses_ID === open.json.session.ses_ID);
    assertFields(t, closed, {
      ses_Connection: '2025-08-01 10:00',
      ses_ConnectionTime: '2025-08-01T10:00:00+00:00',
      ses_EventTypeDisconnection: '<missing event>',
      ses_Disconnection: '<missing event>',
      ses_DisconnectionTime: null,
      ses_Duration: '...',
      ses_DurationSeconds: null,
      ses_StillConnected: false,
    });

    // The inferred bound is the later session's start, as the calendar shows.
    const calendar = await send(app, 'GET',
      `/sessions/calendar?start=2025-08-01&end=2025-08-01&mac=${encodeURIComponent(mac)}`);
    const item = calendar.json?.sessions?.find((row: any) => row.start === '2025-08-01T10:00:00');
    t.equal(item?.end, '2025-08-01T11:00:00', 'stored end is the later start');
    const inside = await create(app, body(mac, '2025-08-01T10:30:00', '2025-08-01T10:45:00'));
    t.equal(inside.status, 409, 'the closed range is taken');
  });

  t.test('create closes open session by open one', async (t) => {
    const mac = randomMac();
    const first = await create(app, body(mac, '2025-08-01T10:00:00'));
    t.equal(first.status, 200, 'first open session');
    const second = await create(app, body(mac, '2025-08-01T11:00:00'));
    t.equal(second.status, 200, 'second open session');
    t.equal(second.json?.session?.ses_StillConnected, true);
    const sessions = await listDevice(app, mac);
    const closed = sessions.find((row) => row.ses_ID === first.json.session.ses_ID);
    t.equal(closed?.ses_StillConnected, false, 'first session closed');
    t.equal(closed?.ses_Disconnection, '<missing event>');
    t.equal(sessions.filter((row) => row.ses_StillConnected).length, 1, 'one open session');
  });

  t.test('create rejects start at or before open', async (t) => {
    const mac = randomMac();
    const open = await create(app, body(mac, '2025-08-01T10:00:00'));
    t.equal(open.status, 200, 'open session');
    const id = open.json.session.ses_ID;
    type Case = { name: string; start: string; end?: string; extra?: Record<string, string> };
    const cases: Case[] = [
      { name: 'closed across its start', start: '2025-08-01T09:00:00', end: '2025-08-01T10:30:00' },
      { name: 'closed from its start', start: '2025-08-01T10:00:00', end: '2025-08-01T10:30:00' },
      { name: 'open before its start', start: '2025-08-01T09:30:00' },
      { name: 'open at its start, other IP', start: '2025-08-01T10:00:00',
        extra: { ip: '192.168.1.11' } },
      { name: 'open at its start, other type', start: '2025-08-01T10:00:00',
        extra: { event_type_conn: 'Reconnected' } },
    ];
    for (const { name, start, end, extra } of cases) {
      t.test(name, async (t) => {
        const response = await create(app, body(mac, start, end, extra));
        assertError(t, response, 409);
        t.match(response.json?.message, new RegExp(`\\bsession ${id}\\b`), 'message names id');
      });
    }
    const sessions = await listDevice(app, mac);
    t.equal(sessions.length, 1, 'only the open session is stored');
    t.equal(sessions[0]?.ses_StillConnected, true, 'the open session stays open');

    const earlier = await create(app, body(mac, '2025-08-01T08:00:00', '2025-08-01T10:00:00'));
    t.equal(earlier.status, 200, 'closed session ending at its start fits');
  });

  t.test('create treats exact repeat as success', async (t) => {
    const mac = randomMac();
    const closed = body(mac, '2025-08-01T10:00:00', '2025-08-01T12:00:00');
    const first = await create(app, closed);
    t.equal(first.status, 200, 'first request');
    const repeat = await create(app, closed);
    t.equal(repeat.status, 200, 'repeat');
    t.equal(repeat.json?.success, true);
    t.equal(repeat.json?.message, `Session created for MAC ${mac}`);
    t.equal(repeat.json?.session?.ses_ID, first.json.session.ses_ID, 'same session');
    const spelled = await create(app, {
      ...closed, mac: mac.toLowerCase().replace(/:/g, '-'), start_time: '2025-08-01T10:00:00Z',
      event_type_conn: 'Connected', event_type_disc: 'Disconnected',
    });
    t.equal(spelled.status, 200, 'repeat with other spellings and default types given');
    t.equal(spelled.json?.session?.ses_ID, first.json.session.ses_ID, 'still the same session');
    t.equal((await listDevice(app, mac)).length, 1, 'one session stored');

    const openMac = randomMac();
    const open = body(openMac, '2025-08-01T10:00:00');
    const openFirst = await create(app, open);
    t.equal(openFirst.status, 200, 'first open request');
    const openRepeat = await create(app, { ...open, event_type_disc: 'Timeout' });
    t.equal(openRepeat.status, 200, 'open repeat, disconnection type unused');
    t.equal(openRepeat.json?.session?.ses_ID, openFirst.json.session.ses_ID, 'same open session');
    t.equal((await listDevice(app, openMac)).length, 1, 'one open session stored');
  });

  t.test('create rejects near repeat', async (t) => {
    const mac = randomMac();
    const closed = body(mac, '2025-08-01T10:00:00', '2025-08-01T12:00:00');
    t.equal((await create(app, closed)).status, 200, 'first request');
    const cases = [
      { name: 'other IP', change: { ip: '192.168.1.11' } },
      { name: 'other connection type', change: { event_type_conn: 'Reconnected' } },
      { name: 'other disconnection type', change: { event_type_disc: 'Device Down' } },
      { name: 'other end', change: { end_time: '2025-08-01T12:00:01' } },
      { name: 'other start', change: { start_time: '2025-08-01T09:59:59' } },
      { name: 'open instead of closed', change: { end_time: undefined } },
    ];
    for (const { name, change } of cases) {
      t.test(name, async (t) => {
        assertError(t, await create(app, { ...closed, ...change }), 409);
      });
    }
    t.equal((await listDevice(app, mac)).length, 1, 'one session stored');
  });

  t.test('create keeps parallel different sessions apart', async (t) => {
    const mac = randomMac();
    const base = Date.parse('2025-08-05T10:00:00Z');
    const minute = 60_000;
    // Session i runs 50 minutes from 10:00 + 20i minutes, so it overlaps i±1 and i±2.
    const bodies = Array.from({ length: 20 }, (_, i) => {
      const start = base + i * 20 * minute;
      return body(mac, new Date(start).toISOString(), new Date(start + 50 * minute).toISOString());
    });
    const responses = await Promise.all(bodies.map((payload) => create(app, payload)));
    const statuses = responses.map((response) => response.status);
    t.same(statuses.filter((status) => status !== 200 && status !== 409), [], 'only 200 or 409');
    const created = responses.filter((response) => response.status === 200);
    t.ok(created.length >= 1, 'some session is stored');
    for (const response of responses.filter((response) => response.status === 409)) {
      t.equal(response.json?.error, 'conflict', 'conflict envelope');
    }

    const stored = await listDevice(app, mac);
    t.equal(stored.length, created.length, 'every 200 is one stored session');
    const ranges = stored
      .map((row) => ({ start: Date.parse(row.ses_ConnectionTime),
        end: Date.parse(row.ses_DisconnectionTime) }))
      .sort((a, b) => a.start - b.start);
    for (let i = 1; i < ranges.length; i++) {
      t.ok(ranges[i - 1]!.end <= ranges[i]!.start, `stored session ${i} does not overlap`);
    }
    responses.forEach((response, i) => {
      if (response.status !== 409) return;
      const start = Date.parse(bodies[i]!.start_time);
      const end = Date.parse(bodies[i]!.end_time!);
      const blocker = ranges.some((range) => range.start < end && start < range.end);
      t.ok(blocker, `rejected session ${i} overlaps a stored one`);
    });
  });

  t.test('create keeps parallel open sessions apart', async (t) => {
    const mac = randomMac();
    const base = Date.parse('2025-08-06T10:00:00Z');
    const bodies = Array.from({ length: 20 }, (_, i) =>
      body(mac, new Date(base + i * 60_000).toISOString()));
    const responses = await Promise.all(bodies.map((payload) => create(app, payload)));
    const statuses = responses.map((response) => response.status);
    t.same(statuses.filter((status) => status !== 200 && status !== 409), [], 'only 200 or 409');
    const stored = await listDevice(app, mac);
    t.equal(stored.length, statuses.filter((status) => status === 200).length,
      'every 200 is one stored session');
    const open = stored.filter((row) => row.ses_StillConnected);
    t.equal(open.length, 1, 'one open session');
    t.equal(open[0]?.ses_ID, stored[0]?.ses_ID, 'the open session is the newest');
  });

  t.test('create stores parallel repeats once', async (t) => {
    const mac = randomMac();
    const payload = body(mac, '2025-08-07T10:00:00', '2025-08-07T12:00:00');
    const responses = await Promise.all(Array.from({ length: 20 }, () => create(app, payload)));
    t.same(responses.map((response) => response.status), Array(20).fill(200), 'all 200');
    const ids = new Set(responses.map((response) => response.json?.session?.ses_ID));
    t.equal(ids.size, 1, 'one session id');
    t.equal((await listDevice(app, mac)).length, 1, 'one session stored');
  });
});

t.test('create in Europe/Berlin', async (t) => {
  const app = await buildTestApp(t, {
    env: { TIMEZONE: 'Europe/Berlin' }, clock: fixedClock('2025-11-01T00:00:00Z'),
  });

  t.test('create reads naive time as Berlin wall time', async (t) => {
    const response = await create(app,
      body(randomMac(), '2025-08-01T10:00:00', '2025-08-01T12:00:00'));
    t.equal(response.status, 200);
    assertFields(t, response.json?.session, {
      ses_Connection: '2025-08-01 10:00',
      ses_Disconnection: '2025-08-01 12:00',
      ses_ConnectionTime: '2025-08-01T10:00:00+02:00',
      ses_DisconnectionTime: '2025-08-01T12:00:00+02:00',
      ses_Duration: '2h 0m',
    });
  });

  t.test('create shows UTC time as Berlin wall time', async (t) => {
    const response = await create(app, body(randomMac(), '2025-08-01T10:00:00Z'));
    t.equal(response.status, 200);
    t.equal(response.json?.session?.ses_Connection, '2025-08-01 12:00');
    t.equal(response.json?.session?.ses_ConnectionTime, '2025-08-01T12:00:00+02:00');
  });

  t.test('create rejects wall time in gap', async (t) => {
    const cases = [
      { field: 'start_time', start: '2025-03-30T02:30:00', end: '2025-03-30T04:00:00' },
      { field: 'end_time', start: '2025-03-30T01:00:00', end: '2025-03-30T02:00:00' },
    ];
    for (const { field, start, end } of cases) {
      t.test(`${field} in the gap`, async (t) => {
        assertError(t, await create(app, body(randomMac(), start, end)), 400, field);
      });
    }
  });

  t.test('create measures across fall back', async (t) => {
    const response = await create(app,
      body(randomMac(), '2025-10-26T01:30:00', '2025-10-26T03:30:00'));
    t.equal(response.status, 200);
    assertFields(t, response.json?.session, {
      ses_Connection: '2025-10-26 01:30',
      ses_Disconnection: '2025-10-26 03:30',
      ses_Duration: '3h 0m',
      ses_DurationSeconds: 10800,
      ses_ConnectionTime: '2025-10-26T01:30:00+02:00',
      ses_DisconnectionTime: '2025-10-26T03:30:00+01:00',
    });
  });

  t.test('create resolves fall back hour earlier', async (t) => {
    const response = await create(app, body(randomMac(), '2025-10-26T02:30:00'));
    t.equal(response.status, 200);
    t.equal(response.json?.session?.ses_ConnectionTime, '2025-10-26T02:30:00+02:00');
  });

  t.test('create ignores process time zone', async (t) => {
    const previous = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    t.teardown(() => {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    });
    const response = await create(app,
      body(randomMac(), '2025-08-01T10:00:00', '2025-08-01T12:00:00'));
    t.equal(response.status, 200);
    t.equal(response.json?.session?.ses_Connection, '2025-08-01 10:00');
    t.equal(response.json?.session?.ses_ConnectionTime, '2025-08-01T10:00:00+02:00');
  });
});

t.test('create requires bearer token', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: 'create-test-token' } });
  const payload = body(randomMac(), '2025-08-01T10:00:00', '2025-08-01T12:00:00');
  const missing = await create(app, payload);
  assertError(t, missing, 401);
  t.equal(missing.headers['www-authenticate'], 'Bearer');
  const wrong = await send(app, 'POST', '/sessions/create', payload,
    { authorization: 'Bearer other-token' });
  assertError(t, wrong, 401);
  t.equal(wrong.headers['www-authenticate'], 'Bearer');
  const accepted = await send(app, 'POST', '/sessions/create', payload,
    { authorization: 'Bearer create-test-token' });
  t.equal(accepted.status, 200);
});

t.test('create reports unavailable database', async (t) => {
  // A port that this test opened and closed again, so connections are refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const database = openPostgres({ url: `postgres://postgres@127.0.0.1:${port}/none`,
    logger: quietLogger });
  const app = await buildTestApp(t, { database });
  const response = await create(app, body(randomMac(), '2025-08-01T10:00:00'));
  assertError(t, response, 503);
  t.equal(response.json?.error, 'database_unavailable');
  t.notOk(response.text.includes('ECONNREFUSED'), 'no driver message');
});

t.test('create retry after automatic close', async (t) => {
  const app = await buildTestApp(t, { clock: fixedClock(NOW) });
  const mac = randomMac();
  const open = body(mac, '2025-08-01T10:00:00');
  t.equal((await send(app, 'POST', '/sessions/create', open)).status, 200);
  t.equal((await send(app, 'POST', '/sessions/create', body(mac, '2025-08-01T12:00:00'))).status, 200);

  const retry = await send(app, 'POST', '/sessions/create', open);
  t.equal(retry.status, 200, 'the retry of the first request is a repeat');
  t.equal(retry.json.session.ses_Disconnection, '<missing event>');
  const list = await send(app, 'GET', `/sessions/list?mac=${mac}`);
  t.equal(list.json.sessions.length, 2, 'nothing new was stored');
});

t.test('create racing delete never fails', async (t) => {
  const app = await buildTestApp(t, { clock: fixedClock(NOW) });
  const mac = randomMac();
  const statuses: number[] = [];
  for (let round = 0; round < 25; round++) {
    await send(app, 'POST', '/sessions/create', body(mac, '2025-08-01T08:00:00'));
    const results = await Promise.all([
      send(app, 'POST', '/sessions/create', body(mac, '2025-08-01T09:00:00', '2025-08-01T10:00:00')),
      send(app, 'DELETE', `/sessions/delete?mac=${mac}`),
    ]);
    statuses.push(...results.map((result) => result.status));
    await send(app, 'DELETE', `/sessions/delete?mac=${mac}`);
  }
  t.same(statuses.filter((status) => status >= 500), [], 'no 5xx');
});
