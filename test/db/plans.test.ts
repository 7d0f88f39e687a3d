// Checks with EXPLAIN that the device, list and calendar queries, the
// limited ones included, use the indexes meant for them on a table large
// enough for the planner to prefer them, and never scan the whole table.
import { CompiledQuery, sql } from 'kysely';
import t from 'tap';
import { deviceSessions, generator, SEED_END, seededMac } from '../../bench/seed.js';
import { importSessionsBulk } from '../../src/import/apply.js';
import { overlappingSessionsQuery, sessionJsonQuery } from '../../src/sessions/repository.js';
import { instantFromMillis } from '../../src/sessions/time.js';
import { openTestDatabase, serverUrl } from '../helpers.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function seqScansOf(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' ? [node['Relation Name'] ?? '?'] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScansOf)];
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
    const explain = async (compiled: CompiledQuery<unknown>) => {
      const result = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        CompiledQuery.raw(`explain (format json) ${compiled.sql}`, [...compiled.parameters]));
      return result.rows[0]!['QUERY PLAN'][0].Plan;
    };
    const plan = async (query: ReturnType<typeof overlappingSessionsQuery>) =>
      indexesOf(await explain(query.compile()));
    const now = instantFromMillis(end);
    const device = await plan(overlappingSessionsQuery(db, {
      window: { from: instantFromMillis(end - 7 * 86_400_000), to: now }, now, mac: seededMac(7),
    }));
    t.ok(device.some((name) => /sessions_no_overlap|sessions_mac/.test(name)),
      `device query uses a (mac, ...) index: ${device.join(', ')}`);
    const calendar = await plan(overlappingSessionsQuery(db, {
      window: { from: instantFromMillis(end - 86_400_000), to: now }, now,
    }));
    t.same(calendar, ['sessions_span_idx'], 'calendar query uses only the span index');
  
    // The queries the list routes run, as pages of 11 rows and complete.
    const render = { zone: 'Europe/Berlin', now };
    const week = { from: instantFromMillis(end - 7 * 86_400_000), to: now };
    const day = { from: instantFromMillis(end - 86_400_000), to: now };
    const served = [
      { name: 'device', index: /sessions_no_overlap|sessions_mac/, selection: {
        kind: 'overlap' as const, filter: { window: week, now, mac: seededMac(7) } } },
      { name: 'list of a device', index: /sessions_no_overlap|sessions_mac/, selection: {
        kind: 'list' as const, filter: { mac: seededMac(9), now } } },
      { name: 'calendar', index: /sessions_span_idx/, selection: {
        kind: 'overlap' as const, filter: { window: day, now } } },
    ];
    for (const { name, index, selection } of served) {
      for (const limit of [11, undefined]) {
        const root = await explain(sessionJsonQuery(db, selection, 'session', { limit }, render));
        const label = `${name}${limit ? ` with limit ${limit}` : ''}`;
        t.same(seqScansOf(root), [], `${label} scans no table whole`);
        t.ok(indexesOf(root).some((used) => index.test(used)),
          `${label} uses ${index.source}: ${indexesOf(root).join(', ')}`);
      }
    }
  });
