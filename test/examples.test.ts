// The published examples, sent over HTTP to the app on a loopback port, in the
// order they are published: each step reads what the steps before it stored.
import t from 'tap';
import { buildTestApp, fixedClock } from './helpers.js';

const TOKEN = 'example-token-3f9a1c';

// A few days after the published session of 2025-08-01, so that the 7-day
// device and session-events examples include it.
const app = await buildTestApp(t, {
  env: { TIMEZONE: 'Europe/Berlin', API_TOKEN: TOKEN },
  clock: fixedClock('2025-08-03T12:00:00Z'),
});
const base = await app.listen({ port: 0, host: '127.0.0.1' });

async function request(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    json: await response.json() as any,
  };
}

t.test('examples need the bearer token', async (t) => {
  const response = await fetch(`${base}/sessions/list`);
  t.equal(response.status, 401);
  t.equal(response.headers.get('www-authenticate'), 'Bearer');
  const body = await response.json() as any;
  t.equal(body.success, false);
  t.type(body.message, 'string');
  t.type(body.error, 'string');
});

t.test('create example', async (t) => {
  const response = await request('POST', '/sessions/create', {
    mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
    start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
    event_type_conn: 'Connected', event_type_disc: 'Disconnected',
  });
  t.equal(response.status, 200);
  t.match(response.contentType, 'application/json');
  t.equal(response.json.success, true);
  t.equal(response.json.message, 'Session created for MAC AA:BB:CC:DD:EE:FF');
  t.equal(response.json.session.ses_MAC, 'AA:BB:CC:DD:EE:FF');
});

t.test('list example', async (t) => {
  const response = await request('GET',
    '/sessions/list?mac=AA:BB:CC:DD:EE:FF&start_date=2025-08-01&end_date=2025-08-21');
  t.equal(response.status, 200);
  t.equal(response.json.success, true);
  t.equal(response.json.sessions.length, 1);
  const session = response.json.sessions[0];
  t.equal(session.ses_MAC, 'AA:BB:CC:DD:EE:FF');
  t.equal(session.ses_Connection, '2025-08-01 10:00');
  t.equal(session.ses_Disconnection, '2025-08-01 12:00');
  t.equal(session.ses_Duration, '2h 0m');
  t.equal(session.ses_IP, '192.168.1.10');
  t.equal(session.ses_Info, '');
});

t.test('calendar example', async (t) => {
  const response = await request('GET', '/sessions/calendar?start=2025-08-01&end=2025-08-21');
  t.equal(response.status, 200);
  t.equal(response.json.success, true);
  t.equal(response.json.sessions.length, 1);
  t.strictSame(response.json.sessions[0], {
    resourceId: 'AA:BB:CC:DD:EE:FF',
    title: '',
    start: '2025-08-01T10:00:00',
    end: '2025-08-01T12:00:00',
    color: '#0073b7',
    tooltip: 'Connection: 2025-08-01 10:00\nDisconnection: 2025-08-01 12:00\nIP: 192.168.1.10',
    className: 'no-border',
  });
});

t.test('device example', async (t) => {
  const response = await request('GET', '/sessions/AA:BB:CC:DD:EE:FF?period=7%20days');
  t.equal(response.status, 200);
  t.equal(response.json.success, true);
  t.equal(response.json.sessions.length, 1);
  const session = response.json.sessions[0];
  t.equal(session.ses_MAC, 'AA:BB:CC:DD:EE:FF');
  t.equal(session.ses_Connection, '2025-08-01 10:00');
  t.equal(session.ses_Disconnection, '2025-08-01 12:00');
  t.equal(session.ses_Duration, '2h 0m');
  t.equal(session.ses_IP, '192.168.1.10');
});

t.test('session-events example', async (t) => {
  const response = await request('GET', '/sessions/session-events?type=all&period=7%20days');
  t.equal(response.status, 200);
  t.equal(response.json.success, true);
  t.strictSame(response.json.data, [
    {
      eve_MAC: 'AA:BB:CC:DD:EE:FF',
      eve_DateTime: '2025-08-01 12:00',
      eve_Time: '2025-08-01T12:00:00+02:00',
      eve_EventType: 'Disconnected',
      eve_IP: '192.168.1.10',
      eve_AdditionalInfo: '',
    },
    {
      eve_MAC: 'AA:BB:CC:DD:EE:FF',
      eve_DateTime: '2025-08-01 10:00',
      eve_Time: '2025-08-01T10:00:00+02:00',
      eve_EventType: 'Connected',
      eve_IP: '192.168.1.10',
      eve_AdditionalInfo: '',
    },
  ]);
});

t.test('delete example', async (t) => {
  const response = await request('DELETE', '/sessions/delete', { mac: 'AA:BB:CC:DD:EE:FF' });
  t.equal(response.status, 200);
  t.strictSame(response.json, {
    success: true,
    message: 'Deleted sessions for MAC AA:BB:CC:DD:EE:FF',
    deleted: 1,
  });
  const after = await request('GET', '/sessions/list?mac=AA:BB:CC:DD:EE:FF');
  t.equal(after.status, 200);
  t.strictSame(after.json.sessions, []);
});
