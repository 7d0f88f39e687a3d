import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parseDnsmasqLeases } from '../../src/import/dnsmasq.js';
import { eventsFromZeek, importEvents, snapshotFromDnsmasq } from '../../src/import/events-import.js';
import { parseZeekDhcpLog } from '../../src/import/zeek-dhcp.js';
import { applySnapshot } from '../../src/sessions/scan.js';
import { instantFromMillis } from '../../src/sessions/time.js';
import { buildTestApp, fixedClock, openTestDatabase, send } from '../helpers.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const NOW = '2025-08-01T12:00:00Z';
const now = instantFromMillis(Date.parse(NOW));

const database = await openTestDatabase(t);
const app = await buildTestApp(t, { database, clock: fixedClock(NOW) });

async function sessionsOf(mac: string) {
  const list = await send(app, 'GET', `/sessions/list?mac=${mac}`);
  return (list.json.sessions as any[]).map((session) =>
    `${session.ses_ConnectionTime}..${session.ses_DisconnectionTime ?? 'open'}`);
}

t.test('dnsmasq leases are a snapshot', async (t) => {
  const { leases } = parseDnsmasqLeases(fixture('dnsmasq-exporter_dnsmasq.leases'));
  const { snapshot } = snapshotFromDnsmasq(leases, now);
  t.same(snapshot.devices.map((device) => device.mac), ['00:00:00:00:00:01'],
    'the infinite lease is present and the expired one is not');

  const first = await applySnapshot(app.database.db, snapshot, { zone: 'UTC', graceMinutes: 0 });
  t.same(first.map((event) => event.type), ['New Device']);
  const second = await applySnapshot(app.database.db, snapshot, { zone: 'UTC', graceMinutes: 0 });
  t.same(second, [], 'a second import adds nothing');
  t.same(await sessionsOf('00:00:00:00:00:01'), ['2025-08-01T12:00:00+00:00..open']);
});

t.test('zeek ACK then RELEASE is a session', async (t) => {
  const { rows } = parseZeekDhcpLog(fixture('zeek_dhcp-all-msg-types_dhcp.tsv'));
  const { events } = eventsFromZeek(rows, now);
  const first = await importEvents(app.database.db, events, 'UTC');
  t.equal(first.applied.opened, 1);
  t.equal(first.applied.closed, 1);
  const second = await importEvents(app.database.db, events, 'UTC');
  t.equal(second.present, 2, 'a second import adds nothing');
  t.same(await sessionsOf('90:b1:1c:99:49:29'),
    ['2013-06-02T19:14:02.323173+00:00..2013-06-02T19:14:06.402928+00:00'],
    'bounds keep the log\'s microseconds');
});

t.test('zeek lease runs out or renews', async (t) => {
  const header = [
    '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-',
    '#fields\tts\tmac\tassigned_addr\tlease_time\tmsg_types',
  ];
  const row = (ts: number, mac: string, types: string) =>
    `${ts}.000000\t${mac}\t192.0.2.50\t600.000000\t${types}`;
  const start = Date.parse('2025-07-01T10:00:00Z') / 1000;
  const text = [...header,
    row(start, '02:00:00:00:30:01', 'REQUEST,ACK'),
    row(start, '02:00:00:00:30:02', 'REQUEST,ACK'),
    row(start + 300, '02:00:00:00:30:02', 'REQUEST,ACK'),
    row(start + 5000, '02:00:00:00:30:02', 'INFORM'),
  ].join('\n');
  const { events } = eventsFromZeek(parseZeekDhcpLog(text).rows, now);
  await importEvents(app.database.db, events, 'UTC');
  t.same(await sessionsOf('02:00:00:00:30:01'),
    ['2025-07-01T10:00:00+00:00..2025-07-01T10:10:00+00:00'], 'closes when the lease runs out');
  t.same(await sessionsOf('02:00:00:00:30:02'),
    ['2025-07-01T10:00:00+00:00..2025-07-01T10:15:00+00:00'], 'a renewal extends it');
});

t.test('netalertx webhook endpoint applies rows', async (t) => {
  const body = JSON.parse(fixture('netalertx-webhook-synthetic.json'))[0].body;
  const first = await send(app, 'POST', '/events/netalertx', body);
  t.equal(first.status, 200);
  t.ok(first.json.applied.opened >= 1, 'sessions were opened');
  const again = await send(app, 'POST', '/events/netalertx', body);
  t.equal(again.status, 200);
  t.equal(again.json.applied.opened, 0, 'a repeat opens nothing');
  t.ok(again.json.present >= 1, 'the repeat counts as present');
  t.same(await sessionsOf('02:00:00:00:00:01'),
    ['2025-03-01T09:00:00+00:00..open'], 'the new device opens a session');

  const bad = await send(app, 'POST', '/events/netalertx', { attachments: 'nope' });
  t.equal(bad.status, 200, 'an unreadable notification applies nothing');
  t.ok(bad.json.skipped.length >= 1, 'and says why');
});

t.test('zeek rows out of range are skipped', async (t) => {
  const header = ['#separator \\x09', '#unset_field\t-',
    '#fields\tts\tmac\tassigned_addr\tlease_time\tmsg_types\thost_name'];
  const text = [...header,
    `1751364000.000000\t02:00:00:00:40:01\t192.0.2.60\t60.000000\tACK\t${'h'.repeat(1000)}`,
    '4102444800.000000\t02:00:00:00:40:02\t192.0.2.61\t60.000000\tACK\t-',
    `1751364000.000000\t02:00:00:00:40:03\t192.0.2.62\t${'9'.repeat(400)}.0\tACK\t-`,
  ].join('\n');
  const parsed = parseZeekDhcpLog(text);
  const { events, problems } = eventsFromZeek(parsed.rows, now);
  const reasons = [...parsed.skipped, ...problems].map((problem) => problem.reason).join(' | ');
  t.match(reasons, /lies in the future/, 'a future ts is reported');
  t.match(reasons, /lease_time/, 'an endless lease is reported');
  const report = await importEvents(app.database.db, events, 'UTC');
  t.equal(report.applied.opened, 1, 'the usable row still imports');
  const list = await send(app, 'GET', '/sessions/list?mac=02:00:00:00:40:01');
  t.equal(list.json.sessions[0].ses_Info.length, 250, 'a long host name is cut to 250');
});

t.test('netalertx bad rows do not stop the rest', async (t) => {
  const body = {
    attachments: [{
      text: {
        down_devices: [
          { eve_MAC: '02:00:00:00:50:01', eve_IP: '192.0.2.70', eve_DateTime: '0001-01-01 00:10:00Z' },
          { eve_MAC: '0200.0000.5002', eve_IP: '192.0.2.71', eve_DateTime: '2025-07-01 10:00:00' },
        ],
      },
    }],
  };
  const response = await send(app, 'POST', '/events/netalertx', body);
  t.equal(response.status, 200);
  t.equal(response.json.applied.closed, 2, 'both rows apply');
  t.equal(response.json.skippedCount, 0);
  const list = await send(app, 'GET', '/sessions/list?mac=02:00:00:00:50:02');
  t.equal(list.json.sessions.length, 1, 'the Cisco-dotted MAC is accepted');
});

t.test('dnsmasq junk applies no snapshot', async (t) => {
  const folder = new URL('../fixtures/', import.meta.url);
  t.ok(existsSync(folder), 'fixtures exist');
  const { leases, skipped } = parseDnsmasqLeases('\u0000\u0001 not a lease\nnope\n');
  t.equal(leases.length, 0);
  t.ok(skipped.length > 0, 'the junk lines are reported');
});

const SAMPLE = new URL('../../../shared/data/real/netalertx_webhook_json_sample.json', import.meta.url);

t.test('netalertx sample keeps its offsets', { skip: existsSync(SAMPLE) ? false : 'sample missing' },
  async (t) => {
    const sydney = await buildTestApp(t, {
      database, clock: fixedClock(NOW), env: { TIMEZONE: 'Australia/Sydney' },
    });
    const body = JSON.parse(readFileSync(SAMPLE, 'utf8'))[0].body;
    const response = await send(sydney, 'POST', '/events/netalertx', body);
    t.equal(response.status, 200);
    const events = await send(sydney, 'GET', '/events?mac=74:ac:74:ac:74:ac');
    const times = events.json.events.map((row: any) => row.eve_Time);
    t.ok(times.includes('2025-01-11T10:05:01+11:00'), 'an offset time keeps its instant');
    t.ok(times.includes('2023-01-30T22:15:09+11:00'), 'a naive time is Sydney wall time');
  });
