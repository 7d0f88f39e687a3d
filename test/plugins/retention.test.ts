import t from 'tap';
import { buildTestApp, fixedClock, openTestDatabase, randomMac, send } from '../helpers.js';

const NOW = '2025-08-01T12:00:00Z';

t.test('retention prunes at start', async (t) => {
  const database = await openTestDatabase(t);
  const writer = await buildTestApp(t, { database, clock: fixedClock(NOW) });
  const alwaysOn = randomMac();
  const spanning = randomMac();
  const old = randomMac();
  const recent = randomMac();
  const create = async (mac: string, start: string, end?: string) => {
    const body = { mac, ip: '10.0.0.1', start_time: start, ...(end ? { end_time: end } : {}) };
    t.equal((await send(writer, 'POST', '/sessions/create', body)).status, 200, `create ${mac}`);
  };
  await create(alwaysOn, '2024-06-27T08:00:00Z');
  await create(spanning, '2024-01-01T08:00:00Z', '2025-07-20T08:00:00Z');
  await create(old, '2025-05-01T08:00:00Z', '2025-05-01T09:00:00Z');
  await create(recent, '2025-07-30T08:00:00Z', '2025-07-30T09:00:00Z');
  for (const [at, type] of [['2025-05-01T08:30:00Z', 'IP Changed'], ['2025-07-31T08:30:00Z', 'IP Changed']]) {
    const response = await send(writer, 'POST', `/events/create/${recent}`, { event_time: at, event_type: type });
    t.equal(response.status, 200, `event at ${at}`);
  }

  const pruner = await buildTestApp(t, {
    database, clock: fixedClock(NOW), env: { RETENTION_DAYS: '30' },
  });
  const listed = await send(pruner, 'GET', '/sessions/list');
  const macs = listed.json.sessions.map((session: any) => session.ses_MAC);
  t.ok(macs.includes(alwaysOn), 'an open 400-day session is kept');
  t.ok(macs.includes(spanning), 'a session that ends after the cutoff is kept');
  t.ok(macs.includes(recent), 'a recent session is kept');
  t.notOk(macs.includes(old), 'a session that ended before the cutoff is pruned');

  const events = await send(pruner, 'GET', `/events?mac=${recent}`);
  const standalone = events.json.events.filter((row: any) => row.eve_EventType === 'IP Changed');
  t.same(standalone.map((row: any) => row.eve_Time), ['2025-07-31T08:30:00+00:00'],
    'only the recent standalone event is kept');
});

t.test('retention off keeps everything', async (t) => {
  const database = await openTestDatabase(t);
  const app = await buildTestApp(t, { database, clock: fixedClock(NOW) });
  const mac = randomMac();
  await send(app, 'POST', '/sessions/create',
    { mac, ip: '10.0.0.1', start_time: '2001-01-01T08:00:00Z', end_time: '2001-01-01T09:00:00Z' });
  const again = await buildTestApp(t, { database, clock: fixedClock(NOW) });
  const listed = await send(again, 'GET', `/sessions/list?mac=${mac}`);
  t.equal(listed.json.sessions.length, 1);
});
