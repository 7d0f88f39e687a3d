import t from 'tap';
import { buildTestApp, fixedClock, openTestDatabase, randomMac, send } from '../helpers.js';
import { runScanLoop } from '../scan-loop.js';

const NOW = '2025-08-02T12:00:00Z';
const database = await openTestDatabase(t);
const app = await buildTestApp(t, { database, clock: fixedClock(NOW) });
const graceApp = await buildTestApp(t, {
  database, clock: fixedClock(NOW), env: { DOWN_GRACE_MINUTES: '10' },
});

type App = typeof app;

async function scan(target: App, source: string, at: string, devices: Array<[string, string?]>) {
  return send(target, 'POST', '/events/scan', {
    source, scanned_at: at,
    devices: devices.map(([mac, ip]) => (ip === undefined ? { mac } : { mac, ip })),
  });
}

async function sessionsOf(target: App, mac: string) {
  const list = await send(target, 'GET', `/sessions/list?mac=${mac}`);
  return (list.json.sessions as any[]).map((session) =>
    `${session.ses_ConnectionTime}..${session.ses_DisconnectionTime ?? 'open'}`);
}

t.test('scan derives new, connected, disconnected', async (t) => {
  const source = `s-${randomMac()}`;
  const mac = randomMac();
  const first = await scan(app, source, '2025-08-01T10:00:00Z', [[mac, '10.0.0.1']]);
  t.equal(first.status, 200);
  t.same(first.json.events.map((event: any) => event.event_type), ['New Device']);

  const second = await scan(app, source, '2025-08-01T10:05:00Z', []);
  t.same(second.json.events.map((event: any) => event.event_type), ['Disconnected']);
  t.equal(second.json.events[0].event_time, '2025-08-01T10:05:00+00:00');

  const third = await scan(app, source, '2025-08-01T10:10:00Z', [[mac, '10.0.0.1']]);
  t.same(third.json.events.map((event: any) => event.event_type), ['Connected']);

  const fourth = await scan(app, source, '2025-08-01T10:15:00Z', [[mac, '10.0.0.7']]);
  t.same(fourth.json.events.map((event: any) => event.event_type), ['IP Changed']);

  t.same(await sessionsOf(app, mac), [
    '2025-08-01T10:10:00+00:00..open',
    '2025-08-01T10:00:00+00:00..2025-08-01T10:05:00+00:00',
  ]);
  const events = await send(app, 'GET', `/events?mac=${mac}`);
  const changed = events.json.events.find((row: any) => row.eve_EventType === 'IP Changed');
  t.equal(changed?.eve_AdditionalInfo, 'Previous IP: 10.0.0.1');
});

t.test('scan closes only its own sessions', async (t) => {
  const mac = randomMac();
  const manual = randomMac();
  const created = await send(app, 'POST', '/sessions/create',
    { mac: manual, ip: '10.0.0.2', start_time: '2025-08-01T09:00:00Z' });
  t.equal(created.status, 200);
  await scan(app, `a-${mac}`, '2025-08-01T10:00:00Z', [[mac, '10.0.0.3']]);

  const other = await scan(app, `b-${mac}`, '2025-08-01T10:05:00Z', []);
  t.same(other.json.events, [], 'another source closes nothing');
  t.same(await sessionsOf(app, mac), ['2025-08-01T10:00:00+00:00..open']);
  t.same(await sessionsOf(app, manual), ['2025-08-01T09:00:00+00:00..open'],
    'a session written through /sessions/create stays open');
});

t.test('scan grace waits before closing', async (t) => {
  const source = `g-${randomMac()}`;
  const mac = randomMac();
  await scan(graceApp, source, '2025-08-01T10:00:00Z', [[mac]]);
  await scan(graceApp, source, '2025-08-01T10:04:00Z', [[mac]]);

  const early = await scan(graceApp, source, '2025-08-01T10:09:00Z', []);
  t.same(early.json.events, [], 'within the grace the session stays open');
  const back = await scan(graceApp, source, '2025-08-01T10:12:00Z', [[mac]]);
  t.same(back.json.events, [], 'a device back within the grace does not flap');

  const late = await scan(graceApp, source, '2025-08-01T10:22:00Z', []);
  t.same(late.json.events.map((event: any) => event.event_time), ['2025-08-01T10:12:00+00:00'],
    'the close is dated at the last snapshot that saw the device');
  t.same(await sessionsOf(graceApp, mac), ['2025-08-01T10:00:00+00:00..2025-08-01T10:12:00+00:00']);
});

t.test('scan rejects older snapshot', async (t) => {
  const source = `o-${randomMac()}`;
  const mac = randomMac();
  await scan(app, source, '2025-08-01T10:00:00Z', [[mac]]);
  const older = await scan(app, source, '2025-08-01T09:00:00Z', []);
  t.equal(older.status, 409);
  t.equal(older.json.success, false);
  t.same(await sessionsOf(app, mac), ['2025-08-01T10:00:00+00:00..open'], 'nothing changed');
});

t.test('scan bad input is a 400', async (t) => {
  const mac = randomMac();
  const cases: Array<[string, unknown]> = [
    ['devices', undefined],
    ['devices[0].mac', [{ mac: 'nope' }]],
    ['devices[1].mac', [{ mac }, { mac: mac.toLowerCase() }]],
    ['devices[0].ip', [{ mac, ip: '10.0.0.1/8' }]],
  ];
  for (const [field, devices] of cases) {
    const response = await send(app, 'POST', '/events/scan',
      devices === undefined ? { source: 'x' } : { source: 'x', devices });
    t.equal(response.status, 400, `${field} status`);
    t.match(response.json?.message, field.replace(/\[\d\]\..*/, ''), `${field} named`);
  }
  const future = await send(app, 'POST', '/events/scan',
    { scanned_at: '2025-08-02T12:10:00Z', devices: [] });
  t.equal(future.status, 400, 'a future scan');
});

for (const graceMinutes of [0, 10]) {
  t.test(`scan loop matches model, grace ${graceMinutes}`, async (t) => {
    const target = graceMinutes === 0 ? app : graceApp;
    await target.listen({ port: 0, host: '127.0.0.1' });
    const address = target.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    t.teardown(() => target.server.close());

    const result = await runScanLoop({
      baseUrl: `http://127.0.0.1:${port}`,
      rounds: 40, intervalSeconds: 0, stepSeconds: graceMinutes === 0 ? 180 : 420, graceMinutes,
      devices: 6, seed: 7 + graceMinutes, start: Date.parse('2025-07-30T00:00:00Z'),
    });
    t.ok(result.expected.length > 5, 'the loop made sessions');
    t.same(result.actual, result.expected);
  });
}

t.test('scan grace closes one sighting early', async (t) => {
  const source = `once-${randomMac()}`;
  const mac = randomMac();
  await scan(graceApp, source, '2025-08-01T11:00:00Z', [[mac]]);
  await scan(graceApp, source, '2025-08-01T11:01:00Z', []);
  await scan(graceApp, source, '2025-08-01T11:05:00Z', []);
  const late = await scan(graceApp, source, '2025-08-01T11:20:00Z', []);
  t.same(late.json.events.map((event: any) => event.event_time), ['2025-08-01T11:01:00+00:00'],
    'a device seen once closes at the first snapshot that missed it');
});

t.test('scan reports one IP change once', async (t) => {
  const source = `ip-${randomMac()}`;
  const mac = randomMac();
  await scan(app, source, '2025-08-01T12:00:00Z', [[mac, '10.3.0.1']]);
  const types: string[] = [];
  for (const minute of ['01', '02', '03']) {
    const response = await scan(app, source, `2025-08-01T12:${minute}:00Z`, [[mac, '10.3.0.2']]);
    types.push(...response.json.events.map((event: any) => event.event_type));
  }
  t.same(types, ['IP Changed']);
});

t.test('scan leaves a session the events API reopened', async (t) => {
  const source = `reopen-${randomMac()}`;
  const mac = randomMac();
  await scan(app, source, '2025-08-01T13:00:00Z', [[mac, '10.0.0.1']]);
  const reopened = await send(app, 'POST', `/events/create/${mac}`,
    { event_type: 'Connected', event_time: '2025-08-01T13:05:00Z' });
  t.equal(reopened.status, 200);
  const missing = await scan(app, source, '2025-08-01T13:10:00Z', []);
  t.same(missing.json.events, [], 'the snapshot closes no session of another writer');
  const [newest] = await sessionsOf(app, mac);
  t.equal(newest, '2025-08-01T13:05:00+00:00..open', 'the reopened session stays open');
});
