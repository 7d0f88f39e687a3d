import t from 'tap';
import { pino } from 'pino';
import type { DatabaseHandle } from '../../db/connect.js';
import { buildApp } from '../../src/app.js';
import { buildTestApp, openTestDatabase, send, testConfig } from '../helpers.js';

const TOKEN = 'right-token-7f3c9a1e5b';
const WRONG_TOKEN = 'wrong-token-2d8e6b4f0c';
const ALLOWED_ORIGIN = 'https://dash.example';
const OTHER_ORIGIN = 'https://other.example';
const MAC = 'AA:BB:CC:DD:EE:FF';

type Method = 'GET' | 'POST' | 'DELETE';

interface Endpoint {
  method: Method;
  url: string;
  body?: unknown;
}

const ENDPOINTS: Endpoint[] = [
  {
    method: 'POST',
    url: '/sessions/create',
    body: { mac: MAC, ip: '192.168.1.10', start_time: '2025-08-01T10:00:00',
      end_time: '2025-08-01T12:00:00' },
  },
  { method: 'DELETE', url: '/sessions/delete', body: { mac: 'AA:BB:CC:DD:EE:01' } },
  { method: 'GET', url: '/sessions/list' },
  { method: 'GET', url: '/sessions/calendar?start=2025-08-01&end=2025-08-21' },
  { method: 'GET', url: `/sessions/${MAC}` },
  { method: 'GET', url: '/sessions/session-events' },
];

const PUBLIC_ROUTES = ['/health', '/ready', '/openapi.json', '/docs'];

// One database serves every app in this file. The apps get a handle whose
// close does nothing, and the root teardown closes the real one.
const database = await openTestDatabase(t);
const sharedDatabase: DatabaseHandle = { ...database, close: async () => {} };

function bearer(token: string, scheme = 'Bearer'): Record<string, string> {
  return { authorization: `${scheme} ${token}` };
}

function preflight(origin: string) {
  return {
    method: 'OPTIONS' as const,
    url: '/sessions/list',
    headers: {
      origin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  };
}

t.test('missing token rejected on every endpoint', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: TOKEN }, database: sharedDatabase });
  for (const endpoint of ENDPOINTS) {
    const name = `${endpoint.method} ${endpoint.url}`;
    const response = await send(app, endpoint.method, endpoint.url, endpoint.body);
    t.equal(response.status, 401, `${name} status`);
    t.equal(response.headers['www-authenticate'], 'Bearer', `${name} WWW-Authenticate`);
    t.equal(response.json?.success, false, `${name} success`);
    t.equal(response.json?.error, 'unauthorized', `${name} error`);
    t.type(response.json?.message, 'string', `${name} message`);
  }
});

t.test('right token accepted on every endpoint', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: TOKEN }, database: sharedDatabase });
  for (const endpoint of ENDPOINTS) {
    const name = `${endpoint.method} ${endpoint.url}`;
    const response = await send(app, endpoint.method, endpoint.url, endpoint.body, bearer(TOKEN));
    t.equal(response.status, 200, `${name} status`);
    t.equal(response.json?.success, true, `${name} success`);
  }
});

t.test('wrong token rejected', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: TOKEN }, database: sharedDatabase });
  const cases: Array<[string, Record<string, string>]> = [
    ['wrong token', bearer(WRONG_TOKEN)],
    ['token with a suffix', bearer(`${TOKEN}x`)],
    ['token prefix', bearer(TOKEN.slice(0, -1))],
    ['scheme without token', { authorization: 'Bearer' }],
    ['token without scheme', { authorization: TOKEN }],
    ['basic scheme', { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` }],
  ];
  for (const [name, headers] of cases) {
    const response = await send(app, 'GET', '/sessions/list', undefined, headers);
    t.equal(response.status, 401, `${name} status`);
    t.equal(response.headers['www-authenticate'], 'Bearer', `${name} WWW-Authenticate`);
    t.equal(response.json?.success, false, `${name} success`);
    t.equal(response.json?.error, 'unauthorized', `${name} error`);
  }
});

t.test('scheme case-insensitive', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: TOKEN }, database: sharedDatabase });
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
    const response = await send(app, 'GET', '/sessions/list', undefined, bearer(TOKEN, scheme));
    t.equal(response.status, 200, `${scheme} status`);
  }
});

t.test('query string token rejected', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: TOKEN }, database: sharedDatabase });
  for (const key of ['token', 'api_token', 'access_token']) {
    const response = await send(app, 'GET', `/sessions/list?${key}=${TOKEN}`);
    t.equal(response.status, 401, `?${key}= status`);
    t.equal(response.headers['www-authenticate'], 'Bearer', `?${key}= WWW-Authenticate`);
    t.equal(response.json?.error, 'unauthorized', `?${key}= error`);
  }
});

t.test('public routes need no token', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: TOKEN }, database: sharedDatabase });
  for (const url of PUBLIC_ROUTES) {
    let response = await send(app, 'GET', url);
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
      response = await send(app, 'GET', new URL(location, `http://localhost${url}`).pathname);
    }
    t.equal(response.status, 200, `${url} status`);
    t.not(response.headers['www-authenticate'], 'Bearer', `${url} WWW-Authenticate`);
  }
});

t.test('preflight from allowed origin answered', async (t) => {
  const app = await buildTestApp(t, {
    env: { API_TOKEN: TOKEN, CORS_ORIGINS: ALLOWED_ORIGIN },
    database: sharedDatabase,
  });
  const response = await app.inject(preflight(ALLOWED_ORIGIN));
  t.equal(response.statusCode, 204, 'status');
  t.equal(response.headers['access-control-allow-origin'], ALLOWED_ORIGIN, 'allow-origin');
  t.match(String(response.headers['access-control-allow-methods']), /\bGET\b/, 'allow-methods');
  t.match(String(response.headers['access-control-allow-headers']), /authorization/i,
    'allow-headers');
});

t.test('allowed origin gets CORS headers', async (t) => {
  const app = await buildTestApp(t, {
    env: { API_TOKEN: TOKEN, CORS_ORIGINS: ALLOWED_ORIGIN },
    database: sharedDatabase,
  });
  const response = await send(app, 'GET', '/sessions/list', undefined,
    { ...bearer(TOKEN), origin: ALLOWED_ORIGIN });
  t.equal(response.status, 200, 'status');
  t.equal(response.headers['access-control-allow-origin'], ALLOWED_ORIGIN, 'allow-origin');
});

t.test('other origin gets no allow-origin', async (t) => {
  const app = await buildTestApp(t, {
    env: { API_TOKEN: TOKEN, CORS_ORIGINS: ALLOWED_ORIGIN },
    database: sharedDatabase,
  });
  const preflightResponse = await app.inject(preflight(OTHER_ORIGIN));
  t.equal(preflightResponse.headers['access-control-allow-origin'], undefined,
    'preflight allow-origin');
  const response = await send(app, 'GET', '/sessions/list', undefined,
    { ...bearer(TOKEN), origin: OTHER_ORIGIN });
  t.equal(response.headers['access-control-allow-origin'], undefined, 'request allow-origin');
});

t.test('no CORS headers without CORS_ORIGINS', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: TOKEN }, database: sharedDatabase });
  const responses = [
    ['preflight', (await app.inject(preflight(ALLOWED_ORIGIN))).headers],
    ['request', (await send(app, 'GET', '/sessions/list', undefined,
      { ...bearer(TOKEN), origin: ALLOWED_ORIGIN })).headers],
  ] as const;
  for (const [name, headers] of responses) {
    const corsHeaders = Object.keys(headers).filter((key) => key.startsWith('access-control-'));
    t.same(corsHeaders, [], `${name} has no access-control headers`);
  }
});

t.test('routes open without API_TOKEN', async (t) => {
  const app = await buildTestApp(t, { database: sharedDatabase });
  for (const endpoint of ENDPOINTS) {
    const name = `${endpoint.method} ${endpoint.url}`;
    const response = await send(app, endpoint.method, endpoint.url, endpoint.body);
    t.equal(response.status, 200, `${name} status`);
    t.equal(response.headers['www-authenticate'], undefined, `${name} WWW-Authenticate`);
  }
});

/** Builds an app at LOG_LEVEL trace whose log lines are kept in memory. */
async function buildLoggedApp(t: { teardown(fn: () => unknown): void }) {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => { lines.push(line); } });
  const app = await buildApp({
    config: testConfig({ API_TOKEN: TOKEN, LOG_LEVEL: 'trace' }),
    database: sharedDatabase,
    logger,
  });
  t.teardown(() => app.close());
  await app.ready();
  return { app, lines };
}

t.test('token in header never logged', async (t) => {
  const { app, lines } = await buildLoggedApp(t);
  const headerCases = [
    bearer(TOKEN),
    bearer(TOKEN, 'bearer'),
    bearer(WRONG_TOKEN),
    { authorization: TOKEN },
    { authorization: `Bearer ${TOKEN} ${WRONG_TOKEN}` },
  ];
  for (const headers of headerCases) {
    for (const endpoint of ENDPOINTS) {
      await send(app, endpoint.method, endpoint.url, endpoint.body, headers);
    }
    await send(app, 'GET', '/sessions/list?mac=not-a-mac', undefined, headers);
    await send(app, 'GET', '/no/such/route', undefined, headers);
  }
  const text = lines.join('');
  t.match(text, /incoming request/, 'requests were logged');
  t.notOk(text.includes(TOKEN), 'log has no right token');
  t.notOk(text.includes(WRONG_TOKEN), 'log has no wrong token');
});

t.test('token in query string never logged', async (t) => {
  const { app, lines } = await buildLoggedApp(t);
  for (const key of ['token', 'api_token', 'access_token']) {
    for (const token of [TOKEN, WRONG_TOKEN]) {
      await send(app, 'GET', `/sessions/list?${key}=${token}`);
    }
  }
  const text = lines.join('');
  t.match(text, /incoming request/, 'requests were logged');
  t.notOk(text.includes(TOKEN), 'log has no right token');
  t.notOk(text.includes(WRONG_TOKEN), 'log has no wrong token');
});

t.test('OPTIONS without Origin is no bad preflight', async (t) => {
  const app = await buildTestApp(t, {
    env: { API_TOKEN: TOKEN, CORS_ORIGINS: ALLOWED_ORIGIN },
    database: sharedDatabase,
  });
  const response = await app.inject({ method: 'OPTIONS', url: '/sessions/list' });
  t.ok(response.statusCode < 300, `status ${response.statusCode}`);
});
