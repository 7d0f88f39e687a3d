// Applies the migrations in db/migrations. Kysely's migrator takes a row
// lock in its own lock table, so instances that start at once on one server
// apply each migration exactly once.
import { type Kysely, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Logger } from 'pino';
import { migrations } from './migrations/index.js';

const provider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/** Brings the schema up to date and returns the names it applied. */
export async function migrateToLatest(db: Kysely<any>, logger: Logger): Promise<string[]> {
  // Without a schema, Kysely looks for its tables in every schema of the
  // database and can find another schema's. The first schema on the search path counts.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({ db, provider, migrationTableSchema: rows[0]!.schema });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((result) => result.status === 'Error');
  if (failed) logger.error({ migration: failed.migrationName }, 'migration failed');
  if (error) throw error;
  const applied = results.map((result) => result.migrationName);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
  else logger.info('database schema is up to date');
  return applied;
}
