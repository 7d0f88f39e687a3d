import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { importSessions, importSessionsBulk } from '../../src/import/apply.js';
import { sessionsFromDhcpdLeases } from '../../src/import/dhcpd-sessions.js';
import { listSessions } from '../../src/sessions/repository.js';
import { type Instant, instantFromMillis } from '../../src/sessions/time.js';
import { buildTestApp, fixedClock, openTestDatabase, send } from '../helpers.js';

const fixture = (name: string) => readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

function dhcpdTime(millis: number): string {
  const iso = new Date(millis).toISOString();
  const weekday = new Date(millis).getUTCDay();
  return `${weekday} ${iso.slice(0, 10).replaceAll('-', '/')} ${iso.slice(11, 19)}`;
}

interface LeaseSpec {
  ip: string;
  mac: string;
  starts: string;
  ends: string | null;
  state?: string;
}

/** Writes one lease block as ISC dhcpd does, times in UTC. */
function lease(spec: LeaseSpec): string {
  const ends = spec.ends === null ? 'never' : dhcpdTime(Date.parse(spec.ends));
  return [
    `lease ${spec.ip} {`,
    `  starts ${dhcpdTime(Date.parse(spec.starts))};`,
    `  ends ${ends};`,
    `  binding state ${spec.state ?? 'active'};`,
    `  hardware ethernet ${spec.mac};`,
    '}',
    '',
  ].join('\n');
}

const NOW = '2025-08-02T12:00:00Z';
const now: Instant = instantFromMillis(Date.parse(NOW));

async function importText(db: Parameters<typeof importSessions>[0], text: string) {
  const { sessions, problems } = sessionsFromDhcpdLeases(text, now);
  const report = await importSessions(db, sessions, 'UTC');
  return { ...report, skipped: report.skipped + problems.length,
    problems: [...problems, ...report.problems] };
}

t.test('debian7 leases import once', async (t) => {
  const { db } = await openTestDatabase(t);
  const text = await fixture('isc-dhcp-leases_debian7.leases');

  const first = await importText(db, text);
  t.equal(first.created, 5);
  t.equal(first.skipped, 1);
  t.equal(first.problems[0]?.line, 50);
  t.match(first.problems[0]?.reason, /missing hardware ethernet/);

  const second = await importText(db, text);
  t.equal(second.created, 0, 'a second import creates nothing');
  t.equal(second.updated, 0);
  t.equal(second.present, 5);
  t.equal((await listSessions(db, { now })).length, 5);
});

t.test('imported leases show wall times', async (t) => {
  const app = await buildTestApp(t, {
    env: { TIMEZONE: 'Europe/Berlin' }, clock: fixedClock('2015-07-06T12:00:00Z'),
  });
  const text = await fixture('isc-dhcp-leases_pfsense.leases');
  const { sessions } = sessionsFromDhcpdLeases(text, now);
  const report = await importSessions(app.database.db, sessions, 'Europe/Berlin');
  t.equal(report.created, 2);

  const list = await send(app, 'GET', '/sessions/list?start_date=2015-07-06&end_date=2015-07-06');
  t.equal(list.status, 200);
  t.equal(list.json.sessions.length, 2);
  for (const session of list.json.sessions) {
    const parsed = sessions.find((item) => item.mac === session.ses_MAC)!;
    const start = new Date(Number(parsed.start / 1000n));
    const berlin = new Date(start.getTime() + 2 * 3_600_000).toISOString();
    t.equal(session.ses_Connection, `${berlin.slice(0, 10)} ${berlin.slice(11, 16)}`);
    t.equal(session.ses_StillConnected, false);
  }

  const calendar = await send(app, 'GET', '/sessions/calendar?start=2015-07-06&end=2015-07-06');
  t.equal(calendar.json.sessions.length, 2);
  const events = await send(app, 'GET', '/sessions/session-events?type=all&period=1%20day');
  t.equal(events.json.data.length, 4, 'each lease gives a connection and a disconnection');
});

t.test('renewal within a file merges', async (t) => {
  const { db } = await openTestDatabase(t);
  const mac = '02:00:00:00:10:01';
  const text = lease({ ip: '192.0.2.10', mac, starts: '2025-08-01T10:00:00Z', ends: '2025-08-01T10:10:00Z' })
    + lease({ ip: '192.0.2.10', mac, starts: '2025-08-01T10:05:00Z', ends: '2025-08-01T10:15:00Z' });

  const report = await importText(db, text);
  t.equal(report.created, 1);

  const [session] = await listSessions(db, { mac, now });
  t.equal(session?.start, instantFromMillis(Date.parse('2025-08-01T10:00:00Z')));
  t.equal(session?.end, instantFromMillis(Date.parse('2025-08-01T10:15:00Z')));
});

t.test('renewal in a later import extends', async (t) => {
  const { db } = await openTestDatabase(t);
  const mac = '02:00:00:00:10:02';
  const first = lease({ ip: '192.0.2.11', mac, starts: '2025-08-01T10:00:00Z', ends: '2025-08-01T10:10:00Z' });
  const renewal = lease({ ip: '192.0.2.11', mac, starts: '2025-08-01T10:10:00Z', ends: '2025-08-01T10:20:00Z' });

  t.equal((await importText(db, first)).created, 1);
  const report = await importText(db, first + renewal);
  t.equal(report.updated, 1, 'the renewal extends the stored session');
  t.equal(report.created, 0);

  const stored = await listSessions(db, { mac, now });
  t.equal(stored.length, 1, 'no second, overlapping session');
  t.equal(stored[0]?.end, instantFromMillis(Date.parse('2025-08-01T10:20:00Z')));
});

t.test('open lease closes when it ended', async (t) => {
  const { db } = await openTestDatabase(t);
  const mac = '02:00:00:00:10:03';
  const ongoing = lease({ ip: '192.0.2.12', mac, starts: '2025-08-02T11:00:00Z', ends: '2025-08-02T13:00:00Z' });

  t.equal((await importText(db, ongoing)).created, 1);
  const [open] = await listSessions(db, { mac, now });
  t.equal(open?.end, null, 'an active lease ending in the future is open');

  const ended = lease({ ip: '192.0.2.12', mac, starts: '2025-08-02T11:00:00Z', ends: '2025-08-02T11:40:00Z', state: 'free' });
  const report = await importText(db, ended);
  t.equal(report.updated, 1);
  const [closed] = await listSessions(db, { mac, now });
  t.equal(closed?.end, instantFromMillis(Date.parse('2025-08-02T11:40:00Z')));
  t.equal(closed?.disconnectionType, 'Disconnected');
});

t.test('unusable leases are reported', async (t) => {
  const { db } = await openTestDatabase(t);
  const mac = '02:00:00:00:10:04';
  const text = lease({ ip: '192.0.2.13', mac, starts: '2025-08-01T08:00:00Z', ends: '2025-08-01T09:00:00Z' })
    + lease({ ip: '192.0.2.14', mac, starts: '2025-08-01T08:30:00Z', ends: '2025-08-01T09:30:00Z' })
    + lease({ ip: '192.0.2.15', mac: 'zz:zz', starts: '2025-08-01T08:00:00Z', ends: '2025-08-01T09:00:00Z' })
    + lease({ ip: '192.0.2.16', mac: '02:00:00:00:10:05', starts: '2025-08-02T11:00:00Z', ends: '2025-08-02T14:00:00Z', state: 'free' })
    + lease({ ip: '192.0.2.17', mac: '02:00:00:00:10:06', starts: '2025-08-01T08:00:00Z', ends: '2025-08-01T09:00:00Z' })
    + lease({ ip: '192.0.2.18', mac: '02:00:00:00:10:07', starts: '2099-01-01T00:00:00Z', ends: '2099-01-01T01:00:00Z' });

  const report = await importText(db, text);
  t.equal(report.created, 2, 'the usable leases still import');
  t.equal(report.skipped, 4);
  const lines = report.problems.map((problem) => problem.line).sort((a, b) => a - b);
  t.same(lines, [7, 13, 19, 31]);
  t.ok(report.problems.some((problem) => /lies in the future/.test(problem.reason)));
  t.ok(report.problems.some((problem) => /overlaps/.test(problem.reason)), 'overlap is named');
  t.ok(report.problems.some((problem) => /not a MAC address/.test(problem.reason)));
  t.ok(report.problems.some((problem) => /binding state free/.test(problem.reason)));
});

t.test('import command prints counts', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'sessions-import-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  const file = join(folder, 'dhcpd.leases');
  await writeFile(file, await fixture('isc-dhcp-leases_debian7.leases'));
  const run = promisify(execFile);
  const env = { ...process.env, DATA_DIR: join(folder, 'data'), DATABASE_URL: '' };
  const script = new URL('../../src/import/cli.ts', import.meta.url).pathname;

  const first = await run(process.execPath, ['--import', 'tsx', script, '--format', 'dhcpd', file], { env });
  t.match(first.stdout, /created 5, updated 0, skipped 1, already present 0/);
  t.match(first.stdout, /line 50: skipped: /);

  const second = await run(process.execPath, ['--import', 'tsx', script, '--format', 'dhcpd', file], { env });
  t.match(second.stdout, /created 0, updated 0, skipped 1, already present 5/);

  const wrong = await run(process.execPath, ['--import', 'tsx', script, '--format', 'csv', file], { env })
    .catch((error: { code: number; stderr: string }) => error);
  t.equal((wrong as { code: number }).code, 2, 'an unknown format exits with 2');
  t.match((wrong as { stderr: string }).stderr, /Usage: npm run import/);
});

t.test('bulk path matches one by one', async (t) => {
  const bulk = await openTestDatabase(t);
  const single = await openTestDatabase(t);
  const mac = '02:00:00:00:20:01';
  const stored = '02:00:00:00:20:02';
  const text = lease({ ip: '192.0.2.30', mac, starts: '2025-08-01T08:00:00Z', ends: '2025-08-01T09:00:00Z' })
    + lease({ ip: '192.0.2.30', mac, starts: '2025-08-01T08:30:00Z', ends: '2025-08-01T09:30:00Z' })
    + lease({ ip: '192.0.2.31', mac: stored, starts: '2025-08-01T09:00:00Z', ends: '2025-08-01T10:00:00Z' });
  const { sessions } = sessionsFromDhcpdLeases(text, now);
  const earlier = lease({ ip: '192.0.2.31', mac: stored, starts: '2025-08-01T08:00:00Z', ends: '2025-08-01T09:00:00Z' });
  for (const db of [bulk.db, single.db]) {
    await importSessions(db, sessionsFromDhcpdLeases(earlier, now).sessions, 'UTC');
  }

  const bulkReport = await importSessionsBulk(bulk.db, sessions, 'UTC');
  const singleReport = await importSessions(single.db, sessions, 'UTC');
  t.same(bulkReport, singleReport, 'the same counts');
  const rows = async (db: typeof bulk.db) => (await listSessions(db, { now }))
    .map((row) => `${row.mac} ${row.start} ${row.end}`);
  t.same(await rows(bulk.db), await rows(single.db), 'the same sessions');
  t.equal((await listSessions(bulk.db, { mac: stored, now })).length, 1,
    'a device with stored sessions is extended, not given a second session');
});
