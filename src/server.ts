// Entry point: reads the configuration, opens and migrates the database,
// builds the app and listens. On SIGTERM or SIGINT it stops accepting
// connections, lets the requests in flight finish, closes the database and
// exits with 0.
import closeWithGrace from 'close-with-grace';
import { migrateDatabase, openDatabase } from '../db/connect.js';
import { buildApp, createLogger } from './app.js';
import { assertListenIsSafe, ConfigError, loadConfig } from './config.js';
import { databaseKnowsZone, databaseZoneReading } from './sessions/repository.js';
import { formatIsoInstant, type Instant } from './sessions/time.js';
import { firstZoneRuleDifference } from './sessions/zone-rules.js';

/** How long in-flight requests may take to finish after a stop signal. */
const SHUTDOWN_GRACE_MS = 10_000;

async function start(): Promise<void> {
  const config = loadConfig();
  assertListenIsSafe(config);
  const logger = createLogger(config);

  const database = await openDatabase(config, logger);
  let difference: Instant | null;
  try {
    await migrateDatabase(config, database, logger);
    if (!await databaseKnowsZone(database.db, config.TIMEZONE)) {
      throw new ConfigError([`TIMEZONE "${config.TIMEZONE}" is unknown to the database, which ` +
        'renders wall times in it; use an IANA zone name such as Europe/Berlin']);
    }
    difference = await firstZoneRuleDifference(database.db, config.TIMEZONE, Date.now());
    const reading = difference === null ? 'zone' : await databaseZoneReading(database.db, config.TIMEZONE);
    if (reading !== 'zone') {
      const meaning = reading === 'abbreviation'
        ? 'a fixed-offset abbreviation'
        : 'a POSIX TZ string with one DST rule for every year';
      throw new ConfigError([`TIMEZONE "${config.TIMEZONE}" is a zone to Node.js but ${meaning} to ` +
        'the database, so the two would render different wall times; use an IANA zone name such ' +
        'as Asia/Kolkata or America/New_York']);
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  if (difference !== null) {
    logger.warn({ zone: config.TIMEZONE, from: formatIsoInstant(difference, 'UTC') },
      'Node.js and the database have different rules for TIMEZONE, first differing at `from`. ' +
      'Lists are rendered by the database alone, while wall times in requests and the sessions ' +
      'in responses of POST routes follow Node.js. Update the older tz database (Node.js, or the ' +
      'database\'s tzdata) so that they agree.');
  }
  const app = await buildApp({ config, database, logger, zoneRulesAgree: difference === null });

  closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'stopping after an uncaught error');
    else logger.info({ signal }, 'stopping');
    await app.close();
    logger.info('stopped');
  });

  const address = await app.listen({ port: config.PORT, host: config.HOST });
  logger.info({
    address,
    database: database.kind,
    timeZone: config.TIMEZONE,
    auth: config.API_TOKEN ? 'bearer token' : 'off (loopback only, API_TOKEN not set)',
  }, 'listening');
}

try {
  await start();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(`The service failed to start: ${(error as Error).message}`);
  }
  process.exit(1);
}
