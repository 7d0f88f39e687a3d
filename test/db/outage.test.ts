// Simulates a database outage with a TCP proxy between the service and the
// Postgres server: stopping the proxy cuts every connection, starting it
// again on the same port lets the service reconnect.
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import t from 'tap';
import { openPostgres } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrator.js';
import { buildApp } from '../../src/app.js';
import { createTestSchema, dropTestSchema, send, serverUrl, testConfig } from '../helpers.js';

/** Generous limits: the service gives up connecting after 5 s. */
const OUTAGE_RESPONSE_MS = 10_000;
const WAIT_MS = 20_000;

const IDLE_FAILURE = 'idle database connection failed';

const session = {
  mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
  start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
};

class TcpProxy {
  private server: Server | null = null;
  private readonly clients = new Set<Socket>();
  private holding = false;
  private disposed = false;
  private onHeld: (() => void) | null = null;
  port = 0;

  constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  get connectionCount(): number {
    return this.clients.size;
  }

  /** Listens on 127.0.0.1, on the port of the previous start if there was one. */
  async start(): Promise<void> {
    if (this.disposed) throw new Error('The proxy was disposed: it cannot start again.');
    const server = createServer((client) => this.forward(client));
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Cuts every forwarded connection and stops accepting new ones. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.holding = false;
    for (const client of this.clients) client.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Stops the proxy for good, so a test that goes on after its teardown cannot restart it. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  /** Stops forwarding to the server. The promise resolves when the next message is held. */
  hold(): Promise<void> {
    this.holding = true;
    return new Promise((resolve) => {
      this.onHeld = resolve;
    });
  }

  private forward(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    this.clients.add(client);
    const close = () => {
      this.clients.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
    client.on('data', (chunk) => {
      if (!this.holding) {
        upstream.write(chunk);
        return;
      }
      this.onHeld?.();
      this.onHeld = null;
    });
    upstream.pipe(client);
  }
}

/** Sets up the service on a fresh schema, reached through a proxy. */
async function setUp(t: { teardown(fn: () => unknown): void }) {
  const url = serverUrl!;
  const target = new URL(url);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  await proxy.start();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);

  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => { lines.push(line); } });
  const schema = await createTestSchema(url);
  const database = openPostgres({
    url: proxied.toString(), logger, searchPath: `${schema},public`,
  });
  const app = await buildApp({ config: testConfig(), database, logger });
  t.teardown(async () => {
    try {
      await app.close();
      await proxy.dispose();
    } finally {
      await dropTestSchema(url, schema);
    }
  });
  await migrateToLatest(database.db, logger);
  await app.ready();

  const countLines = (message: string) =>
    lines.filter((line) => JSON.parse(line).msg === message).length;
  return { app, proxy, countLines };
}

async function waitFor(condition: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

const skip = serverUrl ? false : 'needs TEST_DATABASE_URL';

t.test('outage gives 503 and recovers', { skip }, async (t) => {
  const { app, proxy, countLines } = await setUp(t);
  const created = await send(app, 'POST', '/sessions/create', session);
  t.equal(created.status, 200, 'create works before the outage');

  const connections = proxy.connectionCount;
  await proxy.stop();
  // Requests start once the pool has dropped every idle connection it had.
  t.ok(await waitFor(() => countLines(IDLE_FAILURE) >= connections),
    'pool dropped its idle connections');

  const requests = [
    ['GET /ready', () => send(app, 'GET', '/ready')],
    ['GET /sessions/list', () => send(app, 'GET', '/sessions/list')],
    ['POST /sessions/create', () => send(app, 'POST', '/sessions/create', session)],
    ['GET /sessions/session-events', () => send(app, 'GET', '/sessions/session-events')],
  ] as const;
  for (const [name, request] of requests) {
    const started = Date.now();
    const response = await request();
    const elapsed = Date.now() - started;
    t.equal(response.status, 503, `${name} status during the outage`);
    t.equal(response.json?.error, 'database_unavailable', `${name} error during the outage`);
    t.ok(elapsed < OUTAGE_RESPONSE_MS, `${name} answered within ${OUTAGE_RESPONSE_MS} ms`);
  }
  const health = await send(app, 'GET', '/health');
  t.equal(health.status, 200, 'health answers during the outage');

  await proxy.start();
  t.ok(await waitFor(async () => (await send(app, 'GET', '/ready')).status === 200),
    'ready again after the database returns');
  const list = await send(app, 'GET', '/sessions/list');
  t.equal(list.status, 200, 'list works after recovery');
  t.equal(list.json?.sessions?.length, 1, 'list returns the session stored before the outage');
  const repeat = await send(app, 'POST', '/sessions/create', session);
  t.equal(repeat.status, 200, 'create works after recovery');
});

t.test('connection cut mid-query gives 503', { skip }, async (t) => {
  const { app, proxy } = await setUp(t);
  const created = await send(app, 'POST', '/sessions/create', session);
  t.equal(created.status, 200, 'create works before the outage');

  // The list query goes out on the pooled connection, and the proxy cuts
  // that connection before the server has seen the query.
  const queryHeld = proxy.hold();
  const pending = send(app, 'GET', '/sessions/list');
  await queryHeld;
  await proxy.stop();
  const response = await pending;
  t.equal(response.status, 503, 'status');
  t.equal(response.json?.error, 'database_unavailable', 'error');

  await proxy.start();
  t.ok(await waitFor(async () => (await send(app, 'GET', '/ready')).status === 200),
    'ready again after the database returns');
  const list = await send(app, 'GET', '/sessions/list');
  t.equal(list.status, 200, 'list works after recovery');
});
