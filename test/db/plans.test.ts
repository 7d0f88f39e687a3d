// Checks with EXPLAIN that the device and calendar queries use the indexes
// meant for them, on a table large enough for the planner to prefer them.
import { CompiledQuery, sql } from 'kysely';
import t from 'tap';
import { deviceSessions, generator, SEED_END, seededMac } from '../../bench/seed.js';
import { importSessionsBulk } from '../../src/import/apply.js';
import { overlappingSessionsQuery } from '../../src/sessions/repository.js';
import { instantFromMillis } from '../../src/sessions/time.js';
import { openTestDatabase, serverUrl } from '../helpers.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function indexesOf(node: PlanNode): string[] {
  const own = node['Index Name'] ? [node['Index Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(indexesOf)];
}

t.test('queries use their indexes', { skip: serverUrl ? false : 'needs TEST_DATABASE_URL' },
  async (t) => {
    const { db } = await openTestDatabase(t);
    const sessions = Array.from({ length: 400 }, (_, index) =>
      deviceSessions(index, 100, generator(index))).flat();
    await importSessionsBulk(db, sessions, 'UTC');
    await sql`analyze sessions`.execute(db);

    const end = SEED_END - 10 * 86_400_000;
    const plan = async (query: ReturnType<typeof overlappingSessionsQuery>) => {
      const compiled = query.compile();
      const result = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters]));
      return indexesOf(result.rows[0]!['QUERY PLAN'][0].Plan);
    };
    const now = instantFromMillis(end);
    const device = await plan(overlappingSessionsQuery(db, {
      window: { from: instantFromMillis(end - 7 * 86_400_000), to: now }, now, mac: seededMac(7),
    }));
    t.ok(device.some((name) => /sessions_no_overlap|sessions_mac/.test(name)),
      `device query uses a (mac, ...) index: ${device.join(', ')}`);
    const calendar = await plan(overlappingSessionsQuery(db, {
      window: { from: instantFromMillis(end - 86_400_000), to: now }, now,
    }));
    t.ok(calendar.includes('sessions_period_idx'),
      `calendar query uses the period index: ${calendar.join(', ')}`);
  });
