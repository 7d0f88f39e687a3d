// `npm run import -- --format dhcpd FILE...`: imports lease files into the
// configured database (DATABASE_URL, else the embedded one in DATA_DIR) and
// prints, per file, how many sessions it created, updated, skipped and found
// already present, with the line and reason of each skipped record.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { openDatabase } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrator.js';
import { ConfigError, loadConfig } from '../config.js';
import { nowInstant } from '../sessions/time.js';
import { emptyReport, type ImportReport, importSessions } from './apply.js';
import { sessionsFromDhcpdLeases } from './dhcpd-sessions.js';

const FORMATS = ['dhcpd'] as const;
const USAGE = `Usage: npm run import -- --format ${FORMATS.join('|')} FILE...`;

function printReport(file: string, report: ImportReport): void {
  console.log(`${file}: created ${report.created}, updated ${report.updated}, ` +
    `skipped ${report.skipped}, already present ${report.present}`);
  for (const problem of report.problems.sort((a, b) => a.line - b.line)) {
    console.log(`  line ${problem.line}: skipped: ${problem.reason}`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!FORMATS.includes(values.format as (typeof FORMATS)[number]) || positionals.length === 0) {
    console.error(`${USAGE}\nMissing or unknown --format ${values.format ?? ''}, or no FILE.`);
    return 2;
  }
  const config = loadConfig();
  const logger = pino({ level: process.env.LOG_LEVEL || 'warn' });
  const texts = await Promise.all(positionals.map((file) => readFile(file, 'utf8')));
  const database = await openDatabase(config, logger);
  try {
    await migrateToLatest(database.db, logger);
    for (const [index, file] of positionals.entries()) {
      const { sessions, problems, leaseCount } = sessionsFromDhcpdLeases(texts[index]!, nowInstant());
      if (leaseCount === 0) {
        console.error(`${file}: no lease blocks found; check that it is an ISC dhcpd.leases file.`);
      }
      const report = emptyReport();
      report.skipped = problems.length;
      report.problems.push(...problems);
      printReport(file, await importSessions(database.db, sessions, config.TIMEZONE, report));
    }
  } finally {
    await database.close();
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  const message = error instanceof ConfigError ? error.message : (error as Error).message;
  console.error(`Import failed: ${message}`);
  process.exitCode = 1;
}
