// Opens the database: a Postgres server through a pg Pool when a URL is given,
// else an embedded PGlite stored in a data folder. This module owns the pool,
// its error listener and the data folder lock.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createHash } from 'node:crypto';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Logger } from 'pino';
import type { Database } from './database.js';
import { migrateToLatest } from './migrator.js';

export type DatabaseKind = 'postgres' | 'embedded';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresOptions {
  url: string;
  logger: Logger;
  /** Schemas to search, comma-separated without spaces (used by tests). */
  searchPath?: string;
  maxConnections?: number;
  /**
   * False for migrations and bulk loads, which may run longer than any
   * request should: no statement or query timeout applies then.
   */
  timeouts?: boolean;
}

/** Connection and statement limits that turn an outage into a quick 503. */
const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 15_000;
const QUERY_TIMEOUT_MS = 20_000;

export function openPostgres(options: PostgresOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    ...(options.timeouts === false ? {} : {
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
    }),
    application_name: 'sessions-api',
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  // Without this listener an idle client's error (a server restart) would
  // be an unhandled 'error' event and end the process.
  pool.on('error', (error) => {
    options.logger.warn({ err: error }, 'idle database connection failed');
  });
  // A checked-out client has no pool listener, and a connection cut between
  // two queries of a transaction would otherwise end the process. The query
  // in progress fails on its own and becomes a 503.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      options.logger.warn({ err: error }, 'database connection failed');
    });
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: preparingPool(pool), cursor: Cursor }),
  });
  return {
    db,
    kind: 'postgres',
    ping: () => ping(db),
    close: () => db.destroy(),
  };
}

/**
 * Wraps the pool so that every query with parameters runs as a named
 * prepared statement: each connection parses and plans a statement text
 * once, and Postgres may reuse its plan. The statement texts come from
 * the repository's fixed query shapes, so their number is bounded.
 */
function preparingPool(pool: pg.Pool) {
  const names = new Map<string, string>();
  const nameOf = (text: string): string => {
    let name = names.get(text);
    if (name === undefined) {
      name = `q${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      return Object.assign(Object.create(client) as pg.PoolClient, {
        query(config: unknown, values?: unknown[]) {
          if (typeof config === 'string' && values && values.length > 0) {
            return query({ name: nameOf(config), text: config, values });
          }
          return query(config, values);
        },
        release: (error?: Error | boolean) => client.release(error),
      });
    },
    end: () => pool.end(),
  };
}

export interface EmbeddedOptions {
  /** Folder for the database files; in memory when undefined. */
  dataDir?: string;
  logger: Logger;
}

export async function openEmbedded(options: EmbeddedOptions): Promise<DatabaseHandle> {
  let releaseLock = () => {};
  let dataDir: string | undefined;
  if (options.dataDir) {
    const folder = resolve(options.dataDir);
    mkdirSync(folder, { recursive: true });
    releaseLock = lockDataFolder(folder);
    dataDir = join(folder, 'pgdata');
  }
  // PGlite's modules are loaded here, so that a service on a PostgreSQL
  // server never loads them.
  let client: PGlite;
  let PGliteDialect: typeof import('kysely-pglite-dialect').PGliteDialect;
  try {
    const [{ PGlite }, { btree_gist }, dialect] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/contrib/btree_gist'),
      import('kysely-pglite-dialect'),
    ]);
    PGliteDialect = dialect.PGliteDialect;
    client = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { btree_gist } });
  } catch (error) {
    releaseLock();
    throw error;
  }
  // The dialect hands its single connection to one caller at a time, so a
  // transaction never shares the PGlite session with another request.
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  return {
    db,
    kind: 'embedded',
    ping: () => ping(db),
    close: async () => {
      await db.destroy();
      releaseLock();
    },
  };
}

async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

const LOCK_FILE = 'sessions-api.lock';

/**
 * Takes an exclusive lock on a data folder by creating a file with this
 * process id, because two processes writing one PGlite folder corrupt it.
 * A lock left by a process that no longer runs is taken over.
 */
export function lockDataFolder(folder: string): () => void {
  const path = join(folder, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => unlinkQuietly(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (isRunning(owner)) {
        throw new Error(`The data folder ${folder} is in use by process ${owner}. ` +
          'Stop that process, use another DATA_DIR, or set DATABASE_URL.');
      }
      unlinkQuietly(path);
    }
  }
  throw new Error(`Could not lock the data folder ${folder}: remove ${path} and retry.`);
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}

export interface DatabaseSettings {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
}

/** Opens the database the configuration names. */
export async function openDatabase(
  settings: DatabaseSettings,
  logger: Logger,
): Promise<DatabaseHandle> {
  if (settings.DATABASE_URL) return openPostgres({ url: settings.DATABASE_URL, logger });
  return openEmbedded({ dataDir: settings.DATA_DIR, logger });
}

/**
 * Migrates the database the configuration names. A Postgres server is
 * migrated over a connection of its own without timeouts, because building
 * an index on a large table takes longer than a request may. The embedded
 * database is migrated through `database`, the one handle on its folder.
 */
export async function migrateDatabase(
  settings: DatabaseSettings,
  database: DatabaseHandle,
  logger: Logger,
): Promise<void> {
  if (!settings.DATABASE_URL) {
    await migrateToLatest(database.db, logger);
    return;
  }
  const maintenance = openPostgres({
    url: settings.DATABASE_URL, logger, maxConnections: 1, timeouts: false,
  });
  try {
    await migrateToLatest(maintenance.db, logger);
  } finally {
    await maintenance.close();
  }
}

// Postgres SQLSTATE classes and driver errors that mean the server is down,
// restarting, out of connections or too slow, rather than a bad request.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300', '57014',
]);
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /query read timeout/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /driver has already been destroyed/i,
  /PGlite is closed/i,
];

/** Tells whether an error means the database cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) {
    return true;
  }
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message));
}
