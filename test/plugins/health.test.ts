import t from 'tap';
import { buildTestApp, databaseKind, openTestDatabase, send } from '../helpers.js';

const session = {
  mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
  start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
};

t.test('health returns 200', async (t) => {
  const app = await buildTestApp(t);
  const response = await send(app, 'GET', '/health');
  t.equal(response.status, 200, 'status');
  t.same(response.json, { success: true, status: 'ok' }, 'body');
});

t.test('ready names the database kind', async (t) => {
  const app = await buildTestApp(t);
  const response = await send(app, 'GET', '/ready');
  t.equal(response.status, 200, 'status');
  t.equal(response.json?.success, true, 'success');
  t.equal(response.json?.status, 'ready', 'status field');
  t.equal(response.json?.database, databaseKind, 'database kind');
});

t.test('closed database gives 503', async (t) => {
  const database = await openTestDatabase(t);
  const app = await buildTestApp(t, { database });
  t.equal((await send(app, 'GET', '/ready')).status, 200, 'ready before the close');
  await database.close();

  const requests = [
    ['GET /ready', await send(app, 'GET', '/ready')],
    ['GET /sessions/list', await send(app, 'GET', '/sessions/list')],
    ['POST /sessions/create', await send(app, 'POST', '/sessions/create', session)],
  ] as const;
  for (const [name, response] of requests) {
    t.equal(response.status, 503, `${name} status`);
    t.equal(response.json?.success, false, `${name} success`);
    t.equal(response.json?.error, 'database_unavailable', `${name} error`);
    t.type(response.json?.message, 'string', `${name} message`);
  }

  const health = await send(app, 'GET', '/health');
  t.equal(health.status, 200, 'health still answers');
});
