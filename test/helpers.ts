// Builds the app against a throwaway database: a fresh schema on the server
// named by TEST_DATABASE_URL, else an in-memory PGlite. Everything is removed
// again by t.teardown.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Test } from 'tap';
import { pino } from 'pino';
import { type DatabaseHandle, openEmbedded, openPostgres } from '../db/connect.js';
import { migrateToLatest } from '../db/migrator.js';
import { buildApp } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import type { Instant } from '../src/sessions/time.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const serverUrl = process.env.TEST_DATABASE_URL || undefined;
export const databaseKind = serverUrl ? 'postgres' : 'embedded';

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL || 'silent' });

// Serialises extension creation across test processes sharing one server.
const EXTENSION_LOCK = 727_001;

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty schema on the test server and returns its name. */
export async function createTestSchema(url: string): Promise<string> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(url, async (client) => {
    await client.query('begin');
    await client.query(`select pg_advisory_xact_lock(${EXTENSION_LOCK})`);
    await client.query('create extension if not exists btree_gist with schema public');
    await client.query('commit');
    await client.query(`create schema ${schema}`);
  });
  return schema;
}

export async function dropTestSchema(url: string, schema: string): Promise<void> {
  await withAdminClient(url, (client) => client.query(`drop schema ${schema} cascade`));
}

export interface TestDatabaseOptions {
  /** Leave the schema unmigrated. */
  migrate?: boolean;
}

/** Opens a throwaway, migrated database that t.teardown removes. */
export async function openTestDatabase(
  t: Teardown,
  options: TestDatabaseOptions = {},
): Promise<DatabaseHandle> {
  let handle: DatabaseHandle;
  if (serverUrl) {
    const schema = await createTestSchema(serverUrl);
    handle = openPostgres({ url: serverUrl, logger: quietLogger, searchPath: `${schema},public` });
    t.teardown(() => dropTestSchema(serverUrl, schema));
  } else {
    handle = await openEmbedded({ logger: quietLogger });
  }
  let closed = false;
  const close = handle.close;
  handle.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  t.teardown(() => handle.close());
  if (options.migrate !== false) await migrateToLatest(handle.db, quietLogger);
  return handle;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: () => Instant;
  database?: DatabaseHandle;
  zoneRulesAgree?: boolean;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...env });
}

/** Builds the app on a throwaway database; the app closes in t.teardown. */
export async function buildTestApp(
  t: Teardown,
  options: TestAppOptions = {},
): Promise<FastifyInstance> {
  const database = options.database ?? await openTestDatabase(t);
  const app = await buildApp({
    config: testConfig(options.env),
    database,
    logger: quietLogger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.zoneRulesAgree === undefined ? {} : { zoneRulesAgree: options.zoneRulesAgree }),
  });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

/** Returns a clock that always reads the given ISO instant. */
export function fixedClock(iso: string): () => Instant {
  const instant = BigInt(Date.parse(iso)) * 1000n;
  return () => instant;
}

export function isoHoursAgo(hours: number): string {
  return new Date(Date.now() - hours * 3_600_000).toISOString();
}

/** Sends a JSON request through inject and returns status and parsed body. */
export async function send(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await app.inject({
    method,
    url,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  let json: any;
  try {
    json = response.json();
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, json, headers: response.headers, text: response.body };
}

/** Returns a random locally administered MAC in canonical form: one device a case. */
export function randomMac(): string {
  return ['02', ...randomBytes(5).toString('hex').match(/../g)!].join(':').toUpperCase();
}

export interface SessionBody {
  mac: string;
  ip?: string;
  start_time: string;
  end_time?: string;
  event_type_conn?: string;
  event_type_disc?: string;
  additional_info?: string;
}

/** Creates a session through the API (IP 10.0.0.1 unless given) and asserts the 200. */
export async function createSession(
  t: Test,
  app: FastifyInstance,
  body: SessionBody,
): Promise<void> {
  const response = await send(app, 'POST', '/sessions/create', { ip: '10.0.0.1', ...body });
  t.equal(response.status, 200, `create ${body.mac} from ${body.start_time}`);
}
