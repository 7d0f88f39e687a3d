// Keyset pagination (limit, cursor) on list, device, calendar and
// session-events; MAX_ROWS for complete lists; complete lists longer than
// one read, streamed over real HTTP.
import t, { type Test } from 'tap';
import { insertSessionsBulk, MISSING_EVENT, type NewSession } from '../../src/sessions/repository.js';
import { buildTestApp, fixedClock, openTestDatabase, randomMac, send } from '../helpers.js';

const NOW = '2025-08-21T12:00:00Z';
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

/** Sessions of three devices; two start at the same instant, so ids break ties. */
function seedSessions(macs: string[], perDevice: number): NewSession[] {
  return macs.flatMap((mac, device) => Array.from({ length: perDevice }, (_, index) => {
    const start = micros('2025-08-20T00:00:00Z') + BigInt(index) * 1_800_000_000n +
      (device === 2 ? 1n : 0n);
    return {
      mac, ip: `10.0.${device}.${index % 250}`, start, end: start + 1_200_000_000n,
      connectionType: 'Connected', disconnectionType: index % 9 === 0 ? MISSING_EVENT : 'Disconnected',
      additionalInfo: '',
    };
  }));
}

async function setup(t: Test, env: Record<string, string> = {}) {
  const database = await openTestDatabase(t);
  const macs = [randomMac(), randomMac(), randomMac()];
  await insertSessionsBulk(database.db, seedSessions(macs, 40));
  const app = await buildTestApp(t, { database, clock: fixedClock(NOW), env });
  return { app, macs, database };
}

const ROUTES = (mac: string) => [
  { name: 'list', url: `/sessions/list?mac=${mac}`, field: 'sessions' },
  { name: 'list of all devices', url: '/sessions/list?start_date=2025-08-01', field: 'sessions' },
  { name: 'device', url: `/sessions/${mac}?period=7%20days`, field: 'sessions' },
  { name: 'calendar', url: '/sessions/calendar?start=2025-08-19&end=2025-08-21', field: 'sessions' },
  { name: 'session-events sessions', url: '/sessions/session-events?type=sessions&period=7%20days', field: 'data' },
  { name: 'session-events all', url: '/sessions/session-events?type=all&period=7%20days', field: 'data' },
];

t.test('pages joined by next_cursor equal the complete list', async (t) => {
  const { app, macs } = await setup(t);
  for (const route of ROUTES(macs[0]!)) {
    const complete = await send(app, 'GET', route.url);
    t.equal(complete.status, 200, `${route.name} complete`);
    t.notOk('next_cursor' in complete.json, `${route.name} without limit has no next_cursor`);
    const items = complete.json[route.field] as unknown[];
    t.ok(items.length > 7, `${route.name} has ${items.length} items`);

    const paged: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `${route.url}&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await send(app, 'GET', url);
      t.equal(page.status, 200, `${route.name} page ${pages}`);
      t.ok(page.json[route.field].length <= 7);
      paged.push(...page.json[route.field]);
      cursor = page.json.next_cursor;
      t.ok(cursor === null || typeof cursor === 'string');
      pages++;
    } while (cursor !== null && pages < 100);
    t.equal(pages, Math.ceil(items.length / 7) + (items.length % 7 === 0 ? 1 : 0),
      `${route.name} in ${pages} pages`);
    t.same(paged, items, `${route.name} pages equal the complete list`);

    const rest = await send(app, 'GET', `${route.url}&cursor=${(await send(app, 'GET',
      `${route.url}&limit=5`)).json.next_cursor}`);
    t.same(rest.json[route.field], items.slice(5), `${route.name} cursor without limit reads the rest`);
  }
});

t.test('pages of every size join to the complete list', async (t) => {
  // The first items of a session list are rendered by the service and the
  // rest by the database; page sizes either side of that split.
  const { app, macs } = await setup(t);
  for (const route of ROUTES(macs[0]!).slice(0, 4)) {
    const items = (await send(app, 'GET', route.url)).json[route.field] as unknown[];
    for (const limit of [1, 15, 16, 17, 33, 41]) {
      const paged: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page = await send(app, 'GET', `${route.url}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        paged.push(...page.json[route.field]);
        cursor = page.json.next_cursor;
      } while (cursor !== null && paged.length <= items.length);
      t.same(paged, items, `${route.name} in pages of ${limit}`);
    }
  }
  for (const maxRows of ['16', '17']) {
    const limited = await setup(t, { MAX_ROWS: maxRows });
    const response = await send(limited.app, 'GET', `/sessions/list?mac=${limited.macs[0]}`);
    t.equal(response.status, 400, `40 sessions above MAX_ROWS=${maxRows}`);
    t.equal(response.json.error, 'too_many_rows');
  }
});

t.test('bad limit and cursor values are 400s naming them', async (t) => {
  const { app, macs } = await setup(t);
  const sessionCursor = (await send(app, 'GET', `/sessions/list?mac=${macs[0]}&limit=1`)).json.next_cursor;
  const eventCursor = (await send(app, 'GET', '/sessions/session-events?limit=1')).json.next_cursor;
  const cases = [
    ['limit', '/sessions/list?limit=0'],
    ['limit', '/sessions/list?limit=10001'],
    ['limit', '/sessions/list?limit=-1'],
    ['limit', '/sessions/list?limit=2.5'],
    ['limit', `/sessions/${macs[0]}?limit=abc`],
    ['cursor', '/sessions/list?cursor=nope'],
    ['cursor', `/sessions/list?cursor=${Buffer.from('s:1:x').toString('base64url')}`],
    ['cursor', `/sessions/list?cursor=${Buffer.from('s:1:2:3').toString('base64url')}`],
    ['cursor', `/sessions/calendar?start=2025-08-01&end=2025-08-02&cursor=${'A'.repeat(300)}`],
    ['cursor', `/sessions/list?cursor=${eventCursor}`],
    ['cursor', `/sessions/session-events?type=all&cursor=${sessionCursor}`],
    // Positions outside the years 0001 to 9999 that the service handles.
    ['cursor', `/sessions/list?limit=5&cursor=${Buffer.from('s:9999999999999999999:1').toString('base64url')}`],
    ['cursor', `/sessions/calendar?start=2025-08-01&end=2025-08-02&cursor=${
      Buffer.from('s:-9223372036854775808:1').toString('base64url')}`],
    ['cursor', `/sessions/${macs[0]}?cursor=${Buffer.from('s:9223372036854775807:1').toString('base64url')}`],
    ['cursor', `/sessions/session-events?cursor=${Buffer.from('e:9223372036854775807:0:1').toString('base64url')}`],
    ['cursor', `/sessions/session-events?cursor=${Buffer.from('e:-9223372036854775808:0:1').toString('base64url')}`],
  ] as const;
  for (const [field, url] of cases) {
    const response = await send(app, 'GET', url);
    t.equal(response.status, 400, url);
    t.equal(response.json.success, false);
    t.match(response.json.message, new RegExp(`^Invalid ${field} `), `${url} names ${field}`);
  }
  const limited = await send(app, 'GET', '/sessions/list?limit=10000');
  t.equal(limited.status, 200, 'limit 10000 is accepted');
  t.equal(limited.json.next_cursor, null, 'one page holds everything');
});

t.test('a complete list above MAX_ROWS is a 400 that says to page', async (t) => {
  const { app, macs } = await setup(t, { MAX_ROWS: '40' });
  const exact = await send(app, 'GET', `/sessions/list?mac=${macs[0]}`);
  t.equal(exact.status, 200, '40 rows fit');
  t.equal(exact.json.sessions.length, 40);
  for (const url of ['/sessions/list', '/sessions/calendar?start=2025-08-19&end=2025-08-21',
    '/sessions/session-events?type=sessions', '/sessions/session-events?type=all']) {
    const response = await send(app, 'GET', url);
    t.equal(response.status, 400, url);
    t.equal(response.json.error, 'too_many_rows');
    t.match(response.json.message, /more than 40 rows \(MAX_ROWS\).*limit.*cursor.*narrow/);
    const paged = await send(app, 'GET', `${url}${url.includes('?') ? '&' : '?'}limit=40`);
    t.equal(paged.status, 200, `${url} with limit`);
    t.type(paged.json.next_cursor, 'string');
  }
});

t.test('a list longer than one read is streamed complete over HTTP', async (t) => {
  const database = await openTestDatabase(t);
  // More rows than the service reads before it starts streaming.
  const macs = Array.from({ length: 100 }, () => randomMac());
  await insertSessionsBulk(database.db, seedSessions(macs, 60));
  const app = await buildTestApp(t, { database, clock: fixedClock(NOW) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  for (const path of ['/sessions/calendar?start=2025-08-19&end=2025-08-22',
    '/sessions/session-events?type=sessions&period=7%20days', '/sessions/session-events?type=all']) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    t.equal(response.status, 200, path);
    t.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    // A body this large is written chunk by chunk on either database.
    t.equal(response.headers.get('transfer-encoding'), 'chunked', 'streamed');
    const body = await response.json() as { success: boolean; sessions?: unknown[]; data?: unknown[] };
    const items = body.sessions ?? body.data ?? [];
    t.equal(body.success, true);
    // 6,000 sessions; all: their connections and the 5,300 known disconnections.
    t.equal(items.length, path.includes('type=all') ? 11_300 : 6000, `${path}: every item`);

    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await send(app, 'GET', `${path}&limit=2500${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...(page.json.sessions ?? page.json.data));
      cursor = page.json.next_cursor;
    } while (cursor !== null);
    t.same(paged, items, `${path}: the stream equals the pages`);
  }
});
