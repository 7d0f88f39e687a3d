import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import t from 'tap';
import { type DatabaseHandle, openPostgres } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrator.js';
import { migrations } from '../../db/migrations/index.js';
import {
  createTestSchema,
  dropTestSchema,
  openTestDatabase,
  quietLogger,
  serverUrl,
} from '../helpers.js';

const MIGRATION_NAMES = Object.keys(migrations);

async function appliedMigrations(handle: DatabaseHandle): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from kysely_migration order by name`
    .execute(handle.db);
  return result.rows.map((row) => row.name);
}

async function insertSession(handle: DatabaseHandle, mac: string, period: string) {
  await sql`
    insert into sessions (mac, ip, period, event_type_connection, event_type_disconnection)
    values (${mac}, '192.168.1.10', ${period}::tstzrange, 'Connected', 'Disconnected')
  `.execute(handle.db);
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

t.test('fresh database migrates once', async (t) => {
  const handle = await openTestDatabase(t, { migrate: false });
  const applied = await migrateToLatest(handle.db, quietLogger);
  t.same(applied, MIGRATION_NAMES, 'applies every migration');
  t.same(await appliedMigrations(handle), MIGRATION_NAMES, 'records every migration');
});

t.test('concurrent migrations apply once', { skip: serverUrl ? false : 'needs TEST_DATABASE_URL' },
  async (t) => {
    const url = serverUrl!;
    const schema = await createTestSchema(url);
    const handles = [1, 2].map(() =>
      openPostgres({ url, logger: quietLogger, searchPath: `${schema},public` }));
    t.teardown(async () => {
      for (const handle of handles) await handle.close();
      await dropTestSchema(url, schema);
    });

    const results = await Promise.allSettled(
      handles.map((handle) => migrateToLatest(handle.db, quietLogger)),
    );
    for (const [index, result] of results.entries()) {
      t.equal(result.status, 'fulfilled', `call ${index + 1} succeeds`);
    }
    const applied = results.flatMap((result) =>
      result.status === 'fulfilled' ? result.value : []);
    t.same(applied, MIGRATION_NAMES, 'each migration applied by one call');
    t.same(await appliedMigrations(handles[0]!), MIGRATION_NAMES, 'each migration recorded once');
  });

t.test('migration ignores other schemas', { skip: serverUrl ? false : 'needs TEST_DATABASE_URL' },
  async (t) => {
    // Two services on one database, each in its own schema through search_path.
    const url = serverUrl!;
    const schemas = [await createTestSchema(url), await createTestSchema(url)];
    const handles = schemas.map((schema) =>
      openPostgres({ url, logger: quietLogger, searchPath: `${schema},public` }));
    t.teardown(async () => {
      for (const handle of handles) await handle.close();
      for (const schema of schemas) await dropTestSchema(url, schema);
    });

    t.same(await migrateToLatest(handles[0]!.db, quietLogger), MIGRATION_NAMES,
      'first schema migrates');
    const second = migrateToLatest(handles[1]!.db, quietLogger);
    t.same(await second.catch((error: Error) => error.message), MIGRATION_NAMES,
      'second schema migrates');
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = ${schemas[1]!} order by table_name
    `.execute(handles[1]!.db);
    t.ok(tables.rows.some((row) => row.table_name === 'sessions'),
      'second schema has its sessions table');
  });

t.test('migrated schema enforces no overlap', async (t) => {
  const handle = await openTestDatabase(t);
  const mac = 'AA:BB:CC:DD:EE:FF';
  await insertSession(handle, mac, '[2025-08-01 10:00Z,2025-08-01 12:00Z)');

  const overlapping = insertSession(handle, mac, '[2025-08-01 11:00Z,2025-08-01 13:00Z)');
  t.equal(await errorCode(overlapping), '23P01', 'overlapping session is an exclusion violation');

  const adjacent = insertSession(handle, mac, '[2025-08-01 12:00Z,2025-08-01 13:00Z)');
  t.equal(await errorCode(adjacent), undefined, 'session starting at the end fits');

  const otherDevice = insertSession(handle, 'AA:BB:CC:DD:EE:01',
    '[2025-08-01 11:00Z,2025-08-01 13:00Z)');
  t.equal(await errorCode(otherDevice), undefined, 'other device may overlap');

  const constraint = await sql<{ contype: string }>`
    select contype from pg_constraint
    where conname = 'sessions_no_overlap' and conrelid = 'sessions'::regclass
  `.execute(handle.db);
  t.same(constraint.rows, [{ contype: 'x' }], 'sessions_no_overlap is an exclusion constraint');
});

t.test('second migration applies nothing', async (t) => {
  const handle = await openTestDatabase(t, { migrate: false });
  t.same(await migrateToLatest(handle.db, quietLogger), MIGRATION_NAMES, 'first call applies');
  t.same(await migrateToLatest(handle.db, quietLogger), [], 'second call applies nothing');
  t.same(await appliedMigrations(handle), MIGRATION_NAMES, 'records stay the same');
});

t.test('migrate command applies migrations', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'sessions-migrate-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  const script = new URL('../../db/migrate.ts', import.meta.url).pathname;
  const env = { ...process.env, DATA_DIR: folder, DATABASE_URL: '', LOG_LEVEL: 'info' };
  const run = promisify(execFile);

  const first = await run(process.execPath, ['--import', 'tsx', script], { env });
  t.match(first.stdout, /"msg":"migrations applied"/);
  const second = await run(process.execPath, ['--import', 'tsx', script], { env });
  t.match(second.stdout, /"msg":"database schema is up to date"/);
});
