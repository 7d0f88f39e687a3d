// `npm run migrate`: applies pending migrations to the configured database.
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../src/config.js';
import { migrateDatabase, openDatabase } from './connect.js';

const logger = pino({ level: process.env.LOG_LEVEL || 'info' });

try {
  const config = loadConfig();
  const handle = await openDatabase(config, logger);
  try {
    await migrateDatabase(config, handle, logger);
  } finally {
    await handle.close();
  }
} catch (error) {
  if (error instanceof ConfigError) logger.error(error.message);
  else logger.error({ err: error }, 'migration failed');
  process.exitCode = 1;
}
