// `npm run import -- --format FORMAT FILE...`: imports files into the
// configured database (DATABASE_URL, else the embedded one in DATA_DIR) and
// prints, per file, what it stored, what it skipped (with the line or record
// and the reason) and what was already present.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { migrateDatabase, openDatabase } from '../../db/connect.js';
import type { Database } from '../../db/database.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { applySnapshot } from '../sessions/scan.js';
import { nowInstant } from '../sessions/time.js';
import { emptyReport, type ImportProblem, importSessions } from './apply.js';
import { sessionsFromDhcpdLeases } from './dhcpd-sessions.js';
import { parseDnsmasqLeases } from './dnsmasq.js';
import {
  emptyEventReport,
  eventsFromNetAlertX,
  eventsFromZeek,
  type ImportedEvent,
  importEvents,
  snapshotFromDnsmasq,
} from './events-import.js';
import { parseNetAlertXWebhook } from './netalertx.js';
import { parseZeekDhcpLog } from './zeek-dhcp.js';

const FORMATS = ['dhcpd', 'dnsmasq', 'zeek-dhcp', 'netalertx-webhook'] as const;
type Format = (typeof FORMATS)[number];
const USAGE = `Usage: npm run import -- --format ${FORMATS.join('|')} FILE...`;

type Importer = (db: Kysely<Database>, text: string, config: Config) => Promise<string[]>;

function problemLines(problems: ImportProblem[], unit = 'line'): string[] {
  return [...problems].sort((a, b) => a.line - b.line)
    .map((problem) => `  ${unit} ${problem.line}: skipped: ${problem.reason}`);
}

async function importEventList(
  db: Kysely<Database>,
  config: Config,
  events: ImportedEvent[],
  problems: ImportProblem[],
  unit: string,
): Promise<string[]> {
  const report = emptyEventReport();
  report.skipped = problems.length;
  // concat, because spreading a very long array into push overflows the stack.
  report.problems = report.problems.concat(problems);
  await importEvents(db, events, config.TIMEZONE, report);
  const { opened, closed, filled, recorded } = report.applied;
  return [`opened ${opened}, closed ${closed}, filled ${filled}, recorded ${recorded}, ` +
    `skipped ${report.skipped}, already present ${report.present}`,
  ...problemLines(report.problems, unit)];
}

const IMPORTERS: Record<Format, Importer> = {
  async dhcpd(db, text, config) {
    const { sessions, problems, leaseCount } = sessionsFromDhcpdLeases(text, nowInstant());
    const report = emptyReport();
    report.skipped = problems.length;
    report.problems = report.problems.concat(problems);
    await importSessions(db, sessions, config.TIMEZONE, report);
    const warning = leaseCount === 0
      ? ['  warning: no lease blocks found; check that it is an ISC dhcpd.leases file'] : [];
    return [`created ${report.created}, updated ${report.updated}, ` +
      `skipped ${report.skipped}, already present ${report.present}`,
    ...warning, ...problemLines(report.problems)];
  },

  async dnsmasq(db, text, config) {
    const parsed = parseDnsmasqLeases(text);
    // A file with no readable lease line is no snapshot: applying it would
    // mark every dnsmasq device absent.
    if (parsed.leases.length === 0 && parsed.skipped.length > 0) {
      return ['nothing applied: no line is a dnsmasq lease; check the file',
        ...problemLines(parsed.skipped)];
    }
    const { snapshot, problems } = snapshotFromDnsmasq(parsed.leases, nowInstant());
    const events = await applySnapshot(db, snapshot, {
      zone: config.TIMEZONE, graceMinutes: config.DOWN_GRACE_MINUTES,
    });
    const counts = new Map<string, number>();
    for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
    const summary = [...counts].map(([type, count]) => `${type} ${count}`).join(', ') || 'no changes';
    return [`snapshot of ${snapshot.devices.length} present devices: ${summary}`,
      ...problemLines([...parsed.skipped, ...problems])];
  },

  async 'zeek-dhcp'(db, text, config) {
    const parsed = parseZeekDhcpLog(text);
    const { events, problems } = eventsFromZeek(parsed.rows, nowInstant());
    return importEventList(db, config, events, [...parsed.skipped, ...problems], 'line');
  },

  async 'netalertx-webhook'(db, text, config) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return ['  skipped: the file is not valid JSON'];
    }
    const parsed = parseNetAlertXWebhook(json);
    const { events, problems } = eventsFromNetAlertX(parsed.events, config.TIMEZONE, nowInstant());
    const skipped = parsed.skipped.map(({ index, reason }) => ({ line: index, reason }));
    return importEventList(db, config, events, [...skipped, ...problems], 'record');
  },
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format) || positionals.length === 0) {
    console.error(`${USAGE}\nMissing or unknown --format ${values.format ?? ''}, or no FILE.`);
    return 2;
  }
  const config = loadConfig();
  const logger = pino({ level: process.env.LOG_LEVEL || 'warn' });
  const texts = await Promise.all(positionals.map((file) => readFile(file, 'utf8')));
  const database = await openDatabase(config, logger);
  try {
    await migrateDatabase(config, database, logger);
    for (const [index, file] of positionals.entries()) {
      const [summary, ...details] = await IMPORTERS[format](database.db, texts[index]!, config);
      console.log(`${file}: ${summary}`);
      for (const detail of details) console.log(detail);
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
