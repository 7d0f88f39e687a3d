// Every SQL statement on sessions. Bounds cross the driver as epoch
// microseconds (int8) and ISO text with microseconds, never as a JavaScript
// Date, so no bound loses precision. Every write and device query is keyed by
// the canonical MAC.
import {
  type CompiledQuery, DummyDriver, type Expression, Kysely, PostgresAdapter, PostgresIntrospector,
  PostgresQueryCompiler, type RawBuilder, type SelectQueryBuilder, sql, type Transaction,
} from 'kysely';
import type { Database } from '../../db/database.js';
import { type Instant, instantFromDatabase, toSqlInstant, type Window } from './time.js';

export type Executor = Kysely<Database> | Transaction<Database>;

export const MISSING_EVENT = '<missing event>';

/** A stored session with its bounds as instants; `end` is null while open. */
export interface SessionRow {
  id: number;
  mac: string;
  ip: string | null;
  start: Instant;
  end: Instant | null;
  connectionType: string;
  disconnectionType: string | null;
  additionalInfo: string;
  /** The scanner that opened the session; null for sessions written whole. */
  source: string | null;
}

export interface NewSession {
  mac: string;
  ip: string | null;
  start: Instant;
  end: Instant | null;
  connectionType: string;
  disconnectionType: string | null;
  additionalInfo: string;
  /** The scanner that opened the session; absent for sessions written whole. */
  source?: string | null;
}

/** An event that opens or closes no session, such as IP Changed. */
export interface NewStandaloneEvent {
  mac: string;
  ip: string | null;
  at: Instant;
  type: string;
  additionalInfo: string;
  pendingAlert: boolean;
  source: string | null;
}

/** One side of a session as an event: its connection or its disconnection. */
export interface EventRow {
  /** The session whose side this is; null for a standalone event. */
  sessionId: number | null;
  mac: string;
  ip: string | null;
  at: Instant;
  type: string;
  additionalInfo: string;
}

interface RawSessionRow {
  id: string | number;
  mac: string;
  ip: string | null;
  start_us: string;
  end_us: string | null;
  event_type_connection: string;
  event_type_disconnection: string | null;
  additional_info: string;
  source: string | null;
}

/**
 * Keeps the device's sessions. The device_key condition lets range
 * conditions use the exclusion index on (device_key, period).
 */
function ofDevice(mac: string): RawBuilder<boolean> {
  return sql<boolean>`(mac = ${mac} and device_key = device_key(${mac}))`;
}

function timestamptz(instant: Instant): RawBuilder<Date> {
  return sql<Date>`${toSqlInstant(instant)}::timestamptz`;
}

/** Builds the half-open range [start, end), unbounded above when end is null. */
function periodRange(start: Instant, end: Instant | null): RawBuilder<string> {
  const upper = end === null ? sql`null::timestamptz` : timestamptz(end);
  return sql<string>`tstzrange(${timestamptz(start)}, ${upper}, '[)')`;
}

/** Renders an instant as epoch microseconds in text, exact in both drivers. */
function epochMicros(instant: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`(extract(epoch from ${instant}) * 1000000)::int8::text`;
}

const startMicros = epochMicros(sql`lower(period)`);
const endMicros = epochMicros(sql`upper(period)`) as RawBuilder<string | null>;

const SESSION_COLUMNS = [
  'id',
  'mac',
  sql<string | null>`host(ip)`.as('ip'),
  startMicros.as('start_us'),
  endMicros.as('end_us'),
  'event_type_connection',
  'event_type_disconnection',
  'additional_info',
  'source',
] as const;

function toSessionRow(raw: RawSessionRow): SessionRow {
  return {
    id: Number(raw.id),
    mac: raw.mac,
    ip: raw.ip,
    start: instantFromDatabase(raw.start_us),
    end: raw.end_us === null ? null : instantFromDatabase(raw.end_us),
    connectionType: raw.event_type_connection,
    disconnectionType: raw.event_type_disconnection,
    additionalInfo: raw.additional_info,
    source: raw.source,
  };
}

function selectSessions(db: Executor) {
  return db.selectFrom('sessions').select(SESSION_COLUMNS);
}

/**
 * Finds the device's session that meets the condition. Each caller's
 * condition matches at most one session, because sessions never overlap.
 */
async function findDeviceSession(
  db: Executor,
  mac: string,
  condition: RawBuilder<boolean>,
): Promise<SessionRow | null> {
  const row = await selectSessions(db)
    .where('mac', '=', mac)
    .where(condition)
    .limit(1)
    .executeTakeFirst();
  return row ? toSessionRow(row) : null;
}

/** Serialises writes for one device until the transaction ends. */
export async function lockDevice(trx: Transaction<Database>, mac: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${mac}, 0))`.execute(trx);
}

/** Finds a stored session equal to `session` in every identifying field. */
export async function findExactSession(
  db: Executor,
  session: NewSession,
): Promise<SessionRow | null> {
  let query = selectSessions(db)
    .where(ofDevice(session.mac))
    .where(sql<boolean>`period = ${periodRange(session.start, session.end)}`)
    .where(sql<boolean>`ip is not distinct from ${session.ip}::inet`)
    .where('event_type_connection', '=', session.connectionType);
  if (session.end !== null && session.disconnectionType !== null) {
    query = query.where('event_type_disconnection', '=', session.disconnectionType);
  }
  const row = await query.orderBy('id').limit(1).executeTakeFirst();
  return row ? toSessionRow(row) : null;
}

export function findOpenSession(db: Executor, mac: string): Promise<SessionRow | null> {
  return findDeviceSession(db, mac, sql<boolean>`upper_inf(period)`);
}

/** Finds the newest session of the device that overlaps [start, end). */
export async function findOverlappingSession(
  db: Executor,
  mac: string,
  start: Instant,
  end: Instant | null,
): Promise<SessionRow | null> {
  const row = await selectSessions(db)
    .where(ofDevice(mac))
    .where(sql<boolean>`period && ${periodRange(start, end)}`)
    .orderBy(sql`lower(period)`, 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toSessionRow(row) : null;
}

/** Finds the device's session that starts exactly at `start`, if any. */
export function findSessionStartingAt(
  db: Executor,
  mac: string,
  start: Instant,
): Promise<SessionRow | null> {
  return findDeviceSession(db, mac, sql<boolean>`lower(period) = ${timestamptz(start)}`);
}

/** Finds the device's closed session that ends exactly at `end`, if any. */
export function findSessionEndingAt(
  db: Executor,
  mac: string,
  end: Instant,
): Promise<SessionRow | null> {
  return findDeviceSession(db, mac, sql<boolean>`upper(period) = ${timestamptz(end)}`);
}

/**
 * Finds the device's session whose end is an inferred `<missing event>`
 * bound and that contains `at` after its start or ends exactly at it.
 */
export function findMissingEndAround(
  db: Executor,
  mac: string,
  at: Instant,
): Promise<SessionRow | null> {
  const instant = timestamptz(at);
  return findDeviceSession(db, mac, sql<boolean>`event_type_disconnection = ${MISSING_EVENT}
    and lower(period) < ${instant} and upper(period) >= ${instant}`);
}

/** Returns the device's latest recorded session bound, or null without sessions. */
export async function latestBoundary(db: Executor, mac: string): Promise<Instant | null> {
  const row = await db
    .selectFrom('sessions')
    .select(epochMicros(sql`max(coalesce(upper(period), lower(period)))`).as('latest_us'))
    .where('mac', '=', mac)
    .executeTakeFirst();
  return row?.latest_us == null ? null : instantFromDatabase(row.latest_us);
}

export interface PruneResult {
  sessions: number;
  events: number;
}

/**
 * Deletes sessions that ended before the cutoff and standalone events older
 * than it. An open session, or one that ends after the cutoff, stays however
 * old its start.
 */
export async function pruneBefore(db: Executor, cutoff: Instant): Promise<PruneResult> {
  const before = timestamptz(cutoff);
  const sessions = await db
    .deleteFrom('sessions')
    .where(sql<boolean>`not upper_inf(period) and upper(period) < ${before}`)
    .executeTakeFirst();
  const events = await db
    .deleteFrom('events')
    .where(sql<boolean>`event_time < ${before}`)
    .executeTakeFirst();
  return { sessions: Number(sessions.numDeletedRows), events: Number(events.numDeletedRows) };
}

/** Serialises snapshots of one scanner source until the transaction ends. */
export async function lockSource(trx: Transaction<Database>, source: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`source:${source}`}, 0))`.execute(trx);
}

/** Returns the newest snapshot instant of a source, or null before its first. */
export async function latestSnapshot(db: Executor, source: string): Promise<Instant | null> {
  const row = await db
    .selectFrom('scan_sources')
    .select(epochMicros(sql`last_scan`).as('latest_us'))
    .where('source', '=', source)
    .executeTakeFirst();
  return row ? instantFromDatabase(row.latest_us) : null;
}

/** Records the instant of a source's newest snapshot. */
export async function markSnapshot(db: Executor, source: string, at: Instant): Promise<void> {
  await db
    .insertInto('scan_sources')
    .values({ source, last_scan: timestamptz(at) })
    .onConflict((conflict) => conflict.column('source').doUpdateSet({
      last_scan: sql`excluded.last_scan`,
    }))
    .execute();
}

/** Lists the open sessions that a source opened. */
export async function listOpenSessionsOfSource(
  db: Executor,
  source: string,
): Promise<SessionRow[]> {
  const rows = await selectSessions(db)
    .where('source', '=', source)
    .where(sql<boolean>`upper_inf(period)`)
    .orderBy('mac')
    .execute();
  return rows.map(toSessionRow);
}

export interface Presence {
  ip: string | null;
  lastSeen: Instant;
  /** The first snapshot that missed the device since it was last seen. */
  missedAt: Instant | null;
}

/** Returns what a source last saw of a device, or null when it never did. */
export async function findPresence(
  db: Executor,
  source: string,
  mac: string,
): Promise<Presence | null> {
  const row = await db
    .selectFrom('presence')
    .select([
      sql<string | null>`host(ip)`.as('ip'),
      epochMicros(sql`last_seen`).as('seen_us'),
      epochMicros(sql`missed_at`).as('missed_us'),
    ])
    .where('source', '=', source)
    .where('mac', '=', mac)
    .executeTakeFirst();
  if (!row) return null;
  return {
    ip: row.ip,
    lastSeen: instantFromDatabase(row.seen_us),
    missedAt: row.missed_us === null ? null : instantFromDatabase(row.missed_us),
  };
}

/** Records the first snapshot that missed a device, unless one is recorded. */
export async function markMissed(
  db: Executor,
  source: string,
  mac: string,
  at: Instant,
): Promise<void> {
  await db
    .updateTable('presence')
    .set({ missed_at: timestamptz(at) })
    .where('source', '=', source)
    .where('mac', '=', mac)
    .where('missed_at', 'is', null)
    .execute();
}

/** Records that a source saw a device at an instant. */
export async function markSeen(
  db: Executor,
  source: string,
  mac: string,
  ip: string | null,
  at: Instant,
): Promise<void> {
  await db
    .insertInto('presence')
    .values({ source, mac, ip, last_seen: timestamptz(at), missed_at: null })
    .onConflict((conflict) => conflict.columns(['source', 'mac']).doUpdateSet({
      ip: sql`excluded.ip`, last_seen: sql`excluded.last_seen`, missed_at: null,
    }))
    .execute();
}

/** Tells whether the service has any session, event or sighting of the device. */
export async function isKnownDevice(db: Executor, mac: string): Promise<boolean> {
  const result = await sql<{ known: boolean }>`
    select exists (select 1 from sessions where mac = ${mac})
      or exists (select 1 from events where mac = ${mac})
      or exists (select 1 from presence where mac = ${mac}) as known
  `.execute(db);
  return result.rows[0]?.known === true;
}

/** Stores a standalone event; returns false when the same event is stored. */
export async function insertStandaloneEvent(
  db: Executor,
  event: NewStandaloneEvent,
): Promise<boolean> {
  const result = await db
    .insertInto('events')
    .values({
      mac: event.mac,
      ip: event.ip,
      event_time: timestamptz(event.at),
      event_type: event.type,
      additional_info: event.additionalInfo,
      pending_alert: event.pendingAlert,
      source: event.source,
    })
    .onConflict((conflict) => conflict.constraint('events_once').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function insertSession(db: Executor, session: NewSession): Promise<SessionRow> {
  const row = await db
    .insertInto('sessions')
    .values({
      mac: session.mac,
      ip: session.ip,
      period: periodRange(session.start, session.end),
      event_type_connection: session.connectionType,
      event_type_disconnection: session.end === null ? null : session.disconnectionType,
      additional_info: session.additionalInfo,
      source: session.source ?? null,
    })
    .returning(SESSION_COLUMNS)
    .executeTakeFirstOrThrow();
  return toSessionRow(row);
}

/**
 * Inserts a session under the device's lock when it overlaps none of the
 * device's sessions, in one statement. Returns null, storing nothing, when
 * it overlaps one: the exclusion constraint is the arbiter of `on conflict
 * do nothing`. The lock is that of lockDevice, held until the statement
 * commits, so no locked read-then-write of the device interleaves.
 */
export async function insertSessionIfFree(db: Executor, session: NewSession): Promise<SessionRow | null> {
  const end = session.end === null ? null : toSqlInstant(session.end);
  const result = await sql<RawSessionRow>`
    with device_lock as (select pg_advisory_xact_lock(hashtextextended(${session.mac}, 0)))
    insert into sessions (mac, ip, period, event_type_connection,
      event_type_disconnection, additional_info, source)
    select ${session.mac}, ${session.ip}::inet,
      tstzrange(${toSqlInstant(session.start)}::timestamptz, ${end}::timestamptz, '[)'),
      ${session.connectionType}, ${session.end === null ? null : session.disconnectionType},
      ${session.additionalInfo}, ${session.source ?? null}
    from device_lock
    on conflict do nothing
    returning id, mac, host(ip) as ip, ${startMicros} as start_us, ${endMicros} as end_us,
      event_type_connection, event_type_disconnection, additional_info, source
  `.execute(db);
  const row = result.rows[0];
  return row ? toSessionRow(row) : null;
}

/**
 * Inserts many sessions in one statement from parallel arrays. The
 * exclusion constraint still rejects the whole statement on any overlap.
 */
export async function insertSessionsBulk(db: Executor, sessions: NewSession[]): Promise<number> {
  if (sessions.length === 0) return 0;
  const column = <T>(read: (session: NewSession) => T) => sessions.map(read);
  const result = await sql`
    insert into sessions (mac, ip, period, event_type_connection,
      event_type_disconnection, additional_info, source)
    select mac, ip, tstzrange(starts, ends, '[)'), connection, disconnection, info, source
    from unnest(
      ${column((s) => s.mac)}::text[],
      ${column((s) => s.ip)}::inet[],
      ${column((s) => toSqlInstant(s.start))}::timestamptz[],
      ${column((s) => (s.end === null ? null : toSqlInstant(s.end)))}::timestamptz[],
      ${column((s) => s.connectionType)}::text[],
      ${column((s) => (s.end === null ? null : s.disconnectionType))}::text[],
      ${column((s) => s.additionalInfo)}::text[],
      ${column((s) => s.source ?? null)}::text[]
    ) as rows (mac, ip, starts, ends, connection, disconnection, info, source)
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Returns, for each of the MACs with stored sessions, the latest end of
 * its sessions, or null when one of them is open. One index probe a MAC.
 */
export async function latestSessionEnds(
  db: Executor,
  macs: string[],
): Promise<Map<string, Instant | null>> {
  if (macs.length === 0) return new Map();
  // Descending order puts an open session (upper null) first.
  const result = await sql<{ mac: string; end_us: string | null }>`
    select device.mac, latest.end_us
    from unnest(${macs}::text[]) as device (mac)
    cross join lateral (
      select ${endMicros} as end_us from sessions
      where sessions.mac = device.mac
      order by upper(period) desc limit 1
    ) as latest
  `.execute(db);
  return new Map(result.rows.map((row) =>
    [row.mac, row.end_us === null ? null : instantFromDatabase(row.end_us)]));
}

/**
 * Sets the end of a session and its disconnection type; a null end reopens
 * it. The exclusion constraint rejects an end that reaches the next session.
 */
export async function setSessionEnd(
  db: Executor,
  id: number,
  end: Instant | null,
  disconnectionType: string | null,
): Promise<SessionRow> {
  const upper = end === null ? sql`null::timestamptz` : timestamptz(end);
  const row = await db
    .updateTable('sessions')
    .set({
      period: sql<string>`tstzrange(lower(period), ${upper}, '[)')`,
      event_type_disconnection: end === null ? null : disconnectionType,
    })
    .where('id', '=', String(id))
    .returning(SESSION_COLUMNS)
    .executeTakeFirstOrThrow();
  return toSessionRow(row);
}

/**
 * Finds the device's latest session with this IP that contains `start` or
 * ends exactly at it: the session that a renewed lease continues.
 */
export async function findContinuedSession(
  db: Executor,
  mac: string,
  ip: string | null,
  start: Instant,
): Promise<SessionRow | null> {
  const at = timestamptz(start);
  const row = await selectSessions(db)
    .where('mac', '=', mac)
    .where(sql<boolean>`ip is not distinct from ${ip}::inet`)
    .where(sql<boolean>`lower(period) <= ${at}`)
    .where(sql<boolean>`(upper_inf(period) or upper(period) >= ${at})`)
    .orderBy(sql`lower(period)`, 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toSessionRow(row) : null;
}

export async function deleteDeviceSessions(db: Executor, mac: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('mac', '=', mac).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface ListFilter {
  mac?: string | undefined;
  /** Sessions that connected at or after this instant. */
  connectedFrom?: Instant | undefined;
  /** Sessions that ended at or before this instant; open ones end at `now`. */
  endedBy?: Instant | undefined;
  now: Instant;
}

export async function listSessions(db: Executor, filter: ListFilter): Promise<SessionRow[]> {
  const rows = await withListFilter(selectSessions(db), filter)
    .orderBy(sql`lower(period)`, 'desc').orderBy('id', 'desc').execute();
  return rows.map(toSessionRow);
}

type SessionQuery<O> = SelectQueryBuilder<Database, 'sessions', O>;

function withListFilter<O>(select: SessionQuery<O>, filter: ListFilter): SessionQuery<O> {
  let query = select;
  if (filter.mac) query = query.where('mac', '=', filter.mac);
  if (filter.connectedFrom !== undefined) {
    query = query.where(sql<boolean>`lower(period) >= ${timestamptz(filter.connectedFrom)}`);
  }
  if (filter.endedBy !== undefined) {
    query = query.where(sql<boolean>`coalesce(upper(period), ${timestamptz(filter.now)})
      <= ${timestamptz(filter.endedBy)}`);
  }
  return query;
}

export interface OverlapFilter {
  window: Window;
  now: Instant;
  mac?: string | undefined;
  /** Only sessions with a `<missing event>` side. */
  missingOnly?: boolean;
}

/**
 * Lists sessions that overlap the window, newest connection first. An open
 * session covers its connection up to now, so it overlaps a window that
 * starts before its connection's end of coverage.
 */
export async function listOverlappingSessions(
  db: Executor,
  filter: OverlapFilter,
): Promise<SessionRow[]> {
  const rows = await overlappingSessionsQuery(db, filter).execute();
  return rows.map(toSessionRow);
}

/** Builds the overlap query; exported so that tests can check its plan. */
export function overlappingSessionsQuery(db: Executor, filter: OverlapFilter) {
  return withOverlapFilter(selectSessions(db), filter)
    .orderBy(sql`lower(period)`, 'desc').orderBy('id', 'desc');
}

function withOverlapFilter<O>(select: SessionQuery<O>, filter: OverlapFilter): SessionQuery<O> {
  const { from, to } = filter.window;
  // One device's sessions are found through the exclusion index; all
  // devices' through the index on span(period), which the planner cannot
  // mistake for the exclusion index.
  const overlaps = filter.mac
    ? sql<boolean>`(${ofDevice(filter.mac)} and period && ${periodRange(from, to)})`
    : sql<boolean>`span(period) && ${periodRange(from, to)}`;
  const query = select
    .where(overlaps)
    .where(sql<boolean>`(not upper_inf(period) or ${timestamptz(filter.now)} >= ${timestamptz(from)})`);
  if (!filter.missingOnly) return query;
  return query.where((eb) => eb.or([
    eb('event_type_connection', '=', MISSING_EVENT),
    eb('event_type_disconnection', '=', MISSING_EVENT),
  ]));
}

export type EventFilter = 'all' | 'voided' | 'new' | 'down';

const EVENT_TYPE_CONDITIONS: Record<EventFilter, (column: RawBuilder<unknown>) => RawBuilder<boolean>> = {
  all: () => sql<boolean>`true`,
  voided: (column) => sql<boolean>`${column} like 'VOIDED%'`,
  new: (column) => sql<boolean>`${column} = 'New Device'`,
  down: (column) => sql<boolean>`${column} = 'Device Down'`,
};

export interface EventQuery {
  /** Events in this window, both ends included; all events when absent. */
  window?: Window | undefined;
  filter: EventFilter;
  mac?: string | undefined;
}

/** The events of a query as rows of `at`, `side`, `seq` and the event columns. */
function eventsUnion(query: EventQuery, before?: Instant) {
  const within = (column: RawBuilder<unknown>) => {
    const from = query.window ? sql<boolean>`${column} >= ${timestamptz(query.window.from)}`
      : sql<boolean>`${column} is not null`;
    const to = query.window ? sql<boolean>`${column} <= ${timestamptz(query.window.to)}` : sql<boolean>`true`;
    // A page after a cursor reads nothing later than the cursor's instant.
    const after = before === undefined ? sql<boolean>`true` : sql<boolean>`${column} <= ${timestamptz(before)}`;
    return sql<boolean>`${from} and ${to} and ${after}`;
  };
  const ofDevice = query.mac ? sql<boolean>`mac = ${query.mac}` : sql<boolean>`true`;
  const typeCondition = EVENT_TYPE_CONDITIONS[query.filter];
  // side orders a disconnection (0) before a connection (1) of the same
  // instant and standalone events (2) after both; seq is the session id for
  // a session side and the event id for a standalone event.
  return sql`
    select id as session_id, id as seq, mac, ip, additional_info,
      lower(period) as at, event_type_connection as event_type, 1 as side
    from sessions
    where ${ofDevice} and ${within(sql`lower(period)`)}
      and event_type_connection <> ${MISSING_EVENT}
      and ${typeCondition(sql.ref('event_type_connection'))}
    union all
    select id, id, mac, ip, additional_info,
      upper(period), event_type_disconnection, 0
    from sessions
    where ${ofDevice} and ${within(sql`upper(period)`)}
      and event_type_disconnection <> ${MISSING_EVENT}
      and ${typeCondition(sql.ref('event_type_disconnection'))}
    union all
    select null, id, mac, ip, additional_info, event_time, event_type, 2
    from events
    where ${ofDevice} and ${within(sql`event_time`)}
      and ${typeCondition(sql.ref('event_type'))}
  `;
}

const EVENT_ORDER = sql`order by e.at desc, e.side asc, e.seq desc`;

/**
 * Lists events: each session's connection and disconnection (a `<missing
 * event>` side is no event) and the standalone events. Newest first, then a
 * disconnection before a connection of the same instant and standalone
 * events after both, then higher session or event id first.
 */
export async function listEvents(db: Executor, query: EventQuery): Promise<EventRow[]> {
  const result = await sql<{
    session_id: string | number | null;
    mac: string;
    ip: string | null;
    at_us: string;
    event_type: string;
    additional_info: string;
  }>`
    select e.session_id, e.mac, host(e.ip) as ip, ${epochMicros(sql`e.at`)} as at_us,
      e.event_type, e.additional_info
    from (${eventsUnion(query)}) as e
    ${EVENT_ORDER}
  `.execute(db);
  return result.rows.map((raw) => ({
    sessionId: raw.session_id === null ? null : Number(raw.session_id),
    mac: raw.mac,
    ip: raw.ip,
    at: instantFromDatabase(raw.at_us),
    type: raw.event_type,
    additionalInfo: raw.additional_info,
  }));
}

// ---- Responses rendered by Postgres ----
//
// The list routes read each row as the JSON text of its response object,
// built here, so that a large result is neither mapped row by row in
// JavaScript nor held whole in memory. The texts are those of ./format.ts,
// rendered with the zone rules of the database; a test compares the two.
// Each query joins `p`, the render settings: the zone and the clock.

/** Tells whether the database has rules for the zone, to render wall times in it. */
export async function databaseKnowsZone(db: Executor, zone: string): Promise<boolean> {
  try {
    await sql`select now() at time zone ${zone}`.execute(db);
    return true;
  } catch (error) {
    // 22023: invalid_parameter_value, "time zone ... not recognized".
    if ((error as { code?: string }).code === '22023') return false;
    throw error;
  }
}

/**
 * The way the database's `at time zone` reads a zone name. An abbreviation
 * of one fixed offset takes precedence over a zone of the same name. A name
 * that is neither is read as a POSIX TZ string, one DST rule for every year.
 */
export type DatabaseZoneReading = 'zone' | 'abbreviation' | 'posix';

export async function databaseZoneReading(db: Executor, zone: string): Promise<DatabaseZoneReading> {
  const { rows: [row] } = await sql<{ abbreviation: boolean; named: boolean }>`
    select exists (select 1 from pg_timezone_abbrevs where lower(abbrev) = lower(${zone})) as abbreviation,
      exists (select 1 from pg_timezone_names where lower(name) = lower(${zone})) as named
  `.execute(db);
  if (row?.abbreviation) return 'abbreviation';
  return row?.named ? 'zone' : 'posix';
}

/**
 * Reads the zone's UTC offsets from the database's zone rules, in seconds,
 * at instants `step` apart from `from` to `to`, both included.
 */
export async function databaseZoneOffsets(
  db: Executor,
  zone: string,
  from: Instant,
  to: Instant,
  step: string,
): Promise<{ atMillis: number; offsetSeconds: number }[]> {
  const { rows } = await sql<{ at_ms: string; offset_seconds: number }>`
    select (extract(epoch from t) * 1000)::int8::text as at_ms,
      ${offsetSeconds(sql`(t at time zone ${zone})`, sql`t`)} as offset_seconds
    from generate_series(${timestamptz(from)}, ${timestamptz(to)}, ${step}::interval) as t
  `.execute(db);
  return rows.map((row) => ({ atMillis: Number(row.at_ms), offsetSeconds: Number(row.offset_seconds) }));
}

/**
 * Consecutive items of a list as JSON texts joined by commas, so that a
 * large list reaches the service as a few strings, not one object a row.
 */
export interface JsonChunk {
  json: string;
  /** The list position of the chunk's last item. */
  key: string;
  /**
   * Marks the chunk of the one item read past a page's limit. It shows
   * that more items follow and is not part of the page.
   */
  beyond: boolean;
}

/** Items per chunk: about 60 kB of calendar items. */
export const CHUNK_ITEMS = 250;

/** A session list position: the connection instant and id of the last item. */
export interface SessionKey {
  start: Instant;
  id: number;
}

/** An event list position: the instant, side and sequence of the last item. */
export interface EventKey {
  at: Instant;
  side: number;
  seq: number;
}

export interface Render {
  zone: string;
  now: Instant;
}

export interface PageQuery<Key> {
  /** Rows after this position, in list order. */
  after?: Key | undefined;
  /** At most this many rows, and one more marked beyond when it exists. */
  limit?: number | undefined;
}

function renderSettings(render: Render): RawBuilder<unknown> {
  return sql`(select ${render.zone}::text as zone, ${timestamptz(render.now)} as now) as p`;
}

/**
 * Wall time `YYYY-MM-DDTHH:mm:ss` of a local timestamp. Early in the first
 * year a zone west of UTC reads 1 BC, which ISO and ./format.ts write as
 * year 0000 and to_char as 0001.
 */
function secondText(local: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`case when ${local} < '0001-01-01'::timestamp
    then '0000' || to_char(${local}, '-MM-DD"T"HH24:MI:SS')
    else to_char(${local}, 'YYYY-MM-DD"T"HH24:MI:SS') end`;
}

/** `YYYY-MM-DD HH:mm` from the text of secondText. */
function minuteText(seconds: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`replace(left(${seconds}, -3), 'T', ' ')`;
}

/** Computes the zone's offset at an instant in whole seconds, from its local timestamp. */
function offsetSeconds(local: RawBuilder<unknown>, instant: RawBuilder<unknown>): RawBuilder<number> {
  // float8 is exact enough here: the difference is whole seconds, and the
  // cast rounds to the nearest.
  return sql<number>`(date_part('epoch', ${local}) - date_part('epoch', ${instant}))::int4`;
}

/** Extracts the microseconds within the second of an instant. */
function microsOf(instant: RawBuilder<unknown>): RawBuilder<number> {
  return sql<number>`(date_part('microseconds', ${instant})::int8 % 1000000)`;
}

/**
 * ISO 8601 from the text of secondText, with the microseconds when there are
 * any and the offset. `micros` and `offset` are column names, each read
 * several times.
 */
function isoText(seconds: RawBuilder<unknown>, micros: RawBuilder<unknown>, offset: RawBuilder<unknown>) {
  return sql<string>`(${seconds}
    || case when ${micros} = 0 then '' else '.' || lpad(${micros}::text, 6, '0') end
    || case when ${offset} >= 0 then '+' else '-' end
    || lpad((abs(${offset}) / 3600)::text, 2, '0') || ':'
    || lpad((abs(${offset}) % 3600 / 60)::text, 2, '0'))`;
}

/**
 * Selects, from the local timestamps of row `b`, the bounds' second texts,
 * offsets and microseconds: start_sec, start_offset, start_micros and the
 * same of the end.
 */
function boundTexts(): RawBuilder<unknown> {
  return sql`${secondText(sql`b.start_local`)} as start_sec,
    ${secondText(sql`b.end_local`)} as end_sec,
    ${offsetSeconds(sql`b.start_local`, sql`lower(b.period)`)} as start_offset,
    ${offsetSeconds(sql`b.end_local`, sql`upper(b.period)`)} as end_offset,
    ${microsOf(sql`lower(b.period)`)} as start_micros,
    ${microsOf(sql`upper(b.period)`)} as end_micros`;
}

/** Selects the local timestamps of row `s`, an open session ending at `endOfOpen`. */
function localTimes(endOfOpen: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`lower(s.period) at time zone p.zone as start_local,
    coalesce(upper(s.period), ${endOfOpen}) at time zone p.zone as end_local`;
}

/**
 * Row `s` of the sessions with the columns of localTimes and boundTexts.
 * `offset 0` keeps the planner from folding the levels together, which
 * would compute each value again wherever it is used.
 */
function withBoundTexts(rows: Expression<unknown>, render: Render, shape: SessionShape) {
  return sql`(select b.*, ${RENDER_TEXT.boundTexts}
    from (select s.*, p.now, ${RENDER_TEXT.localTimes[shape]}
      from (${rows}) as s cross join ${renderSettings(render)} offset 0) as b
    offset 0) as s`;
}

/** `2h 0m`, and from one day on `3d 4h 12m`, from whole seconds. */
function durationText(seconds: RawBuilder<unknown>): RawBuilder<string> {
  const minutes = sql`(${seconds} / 60)`;
  return sql<string>`(case when ${minutes} >= 1440 then (${minutes} / 1440)::text || 'd ' else '' end
    || (${minutes} % 1440 / 60)::text || 'h ' || (${minutes} % 60)::text || 'm')`;
}

const S_OPEN = sql<boolean>`upper_inf(s.period)`;
const S_MISSING_START = sql<boolean>`(s.event_type_connection = ${sql.lit(MISSING_EVENT)})`;
const S_MISSING_END = sql<boolean>`coalesce(s.event_type_disconnection = ${sql.lit(MISSING_EVENT)}, false)`;

function sessionText(openText: string): { connection: RawBuilder<string>; disconnection: RawBuilder<string> } {
  return {
    connection: sql<string>`case when ${S_MISSING_START} then ${sql.lit(MISSING_EVENT)}
      else ${minuteText(sql`s.start_sec`)} end`,
    disconnection: sql<string>`case when ${S_OPEN} then ${sql.lit(openText)}
      when ${S_MISSING_END} then ${sql.lit(MISSING_EVENT)} else ${minuteText(sql`s.end_sec`)} end`,
  };
}

// The objects are written as JSON text by concatenation: row_to_json costs
// about 3 µs a row for a session object. Values the service generates
// (MACs, host() addresses, wall times, numbers) need no escaping and are
// quoted as they are; free text (event types, additional information)
// passes through to_json.

/** Quotes a text that needs no escaping as a JSON string; null stays null. */
function quoted(text: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`('"' || ${text} || '"')`;
}

/** Encodes free text as a JSON string, or null as null. */
function escaped(text: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`coalesce(to_json(${text}::text)::text, 'null')`;
}

function orNull(json: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`coalesce(${json}, 'null')`;
}

/** A piece of JSON text: a literal, or SQL that is never null. */
type JsonPart = string | RawBuilder<unknown>;

/** Builds a JSON string from pieces that are never null and need no escaping. */
function jsonString(...parts: JsonPart[]): JsonPart[] {
  return ['"', ...parts, '"'];
}

/**
 * Joins `"key":value` members into one JSON object text. One concat() of
 * the pieces, adjacent literals merged, copies each piece once, where a
 * chain of || copies the growing text at every step. In PostgreSQL 15 that
 * made the 1-day calendar query about 10% faster. concat() skips a null,
 * so no piece may be null.
 */
function jsonObject(members: [string, JsonPart[]][]): RawBuilder<string> {
  const pieces = members.flatMap(([key, value], index) => [`${index === 0 ? '{' : ','}"${key}":`, ...value]);
  pieces.push('}');
  const merged: RawBuilder<unknown>[] = [];
  let literal = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      literal += piece;
      continue;
    }
    if (literal !== '') merged.push(sql.lit(literal));
    literal = '';
    merged.push(piece);
  }
  if (literal !== '') merged.push(sql.lit(literal));
  return sql<string>`concat(${sql.join(merged)})`;
}

/**
 * Builds the session object of ./format.ts toSessionResponse from row `s`
 * of withBoundTexts and `d` of sessionSeconds.
 * TODO: store the rendered text of closed sessions. Rendering costs about
 * 5 µs a session in PostgreSQL 15, which caps a device's 200-session list
 * near 1,000 requests/s on 2 cores.
 */
function sessionObject(): RawBuilder<string> {
  const text = sessionText('...');
  const missing = sql<boolean>`(${S_MISSING_START} or ${S_MISSING_END})`;
  return jsonObject([
    ['ses_ID', [sql`s.id::text`]],
    ['ses_MAC', jsonString(sql`s.mac`)],
    ['ses_IP', jsonString(sql`coalesce(host(s.ip), '')`)],
    ['ses_EventTypeConnection', [escaped(sql`s.event_type_connection`)]],
    ['ses_Connection', jsonString(text.connection)],
    ['ses_EventTypeDisconnection',
      [escaped(sql`case when ${S_OPEN} then null else s.event_type_disconnection end`)]],
    ['ses_Disconnection', jsonString(text.disconnection)],
    ['ses_Duration', jsonString(sql`case when ${missing} then '...' else ${durationText(sql`d.seconds`)} end`)],
    ['ses_Info', [escaped(sql`s.additional_info`)]],
    ['ses_StillConnected', [sql`case when ${S_OPEN} then 'true' else 'false' end`]],
    ['ses_ConnectionTime', [orNull(quoted(sql`case when ${S_MISSING_START} then null
      else ${isoText(sql`s.start_sec`, sql`s.start_micros`, sql`s.start_offset`)} end`))]],
    ['ses_DisconnectionTime', [orNull(quoted(sql`case when ${S_OPEN} or ${S_MISSING_END} then null
      else ${isoText(sql`s.end_sec`, sql`s.end_micros`, sql`s.end_offset`)} end`))]],
    ['ses_DurationSeconds', [sql`case when ${missing} then 'null' else d.seconds::text end`]],
  ]);
}

/** Computes the seconds of row `s` that sessionObject reads, as lateral `d`. */
function sessionSeconds(): RawBuilder<unknown> {
  return sql`lateral (select greatest(0, (${epochMicrosInt(sql`coalesce(upper(s.period), s.now)`)}
    - ${epochMicrosInt(sql`lower(s.period)`)}) / 1000000) as seconds) as d`;
}

/** Builds the calendar item of ./format.ts toCalendarItem from row `s` of withBoundTexts. */
function calendarObject(): RawBuilder<string> {
  const text = sessionText('<still connected>');
  return jsonObject([
    ['resourceId', jsonString(sql`s.mac`)],
    ['title', ['""']],
    ['start', jsonString(sql`s.start_sec`)],
    ['end', jsonString(sql`s.end_sec`)],
    ['color', [sql`case when ${S_MISSING_START} or ${S_MISSING_END} then '"#f39c12"'
      when ${S_OPEN} then '"#00a659"' else '"#0073b7"' end`]],
    // The tooltip's line breaks are written as the JSON escape \n.
    ['tooltip', jsonString('Connection: ', text.connection, '\\nDisconnection: ', text.disconnection,
      '\\nIP: ', sql`coalesce(host(s.ip), '')`)],
    ['className', ['"no-border"']],
  ]);
}

/** The event row of ./format.ts toSessionEventResponse, from row `e`. */
function eventObject(): RawBuilder<string> {
  return jsonObject([
    ['eve_MAC', jsonString(sql`e.mac`)],
    ['eve_DateTime', jsonString(minuteText(sql`t.sec`))],
    ['eve_Time', jsonString(isoText(sql`t.sec`, sql`t.micros`, sql`t.offset_seconds`))],
    ['eve_EventType', [escaped(sql`e.event_type`)]],
    ['eve_IP', jsonString(sql`coalesce(host(e.ip), '')`)],
    ['eve_AdditionalInfo', [escaped(sql`e.additional_info`)]],
  ]);
}

/** Renders the texts of event row `e` that eventObject reads, as lateral `t`. */
function eventTexts(): RawBuilder<unknown> {
  const local = sql`(e.at at time zone p.zone)`;
  return sql`lateral (select ${secondText(local)} as sec, ${microsOf(sql`e.at`)} as micros,
      ${offsetSeconds(local, sql`e.at`)} as offset_seconds) as t`;
}

function epochMicrosInt(instant: RawBuilder<unknown>): RawBuilder<bigint> {
  return sql<bigint>`(extract(epoch from ${instant}) * 1000000)::int8`;
}

/** Orders the sessions newest first, after a position, at most `limit`. */
function sessionsAfter<O>(query: SessionQuery<O>, after: SessionKey | undefined): SessionQuery<O> {
  if (!after) return query;
  const start = timestamptz(after.start);
  return query.where(sql<boolean>`(lower(period) < ${start}
    or (lower(period) = ${start} and id < ${String(after.id)}::int8))`);
}

/**
 * Orders the sessions newest first after a position and numbers them from 1
 * in that order as `n`. With a limit it reads one row more, which shows
 * whether more rows follow.
 */
function pagedSessions<O>(query: SessionQuery<O>, page: PageQuery<SessionKey>) {
  let paged = sessionsAfter(query, page.after)
    .select(sql<number>`row_number() over (order by lower(period) desc, id desc)`.as('n'))
    .orderBy(sql`lower(period)`, 'desc').orderBy('id', 'desc');
  if (page.limit !== undefined) paged = paged.limit(page.limit + 1);
  return paged;
}

/**
 * Groups rendered rows `json`, `key` and `n` into chunks of CHUNK_ITEMS in
 * list order. Rows numbered past `limit` form the last chunk, marked beyond.
 */
function chunked(rendered: RawBuilder<unknown>, limit: number | undefined): RawBuilder<JsonChunk> {
  const group = limit === undefined
    ? sql`(r.n - 1) / ${sql.lit(CHUNK_ITEMS)}`
    : sql`case when r.n > ${limit} then -1 else (r.n - 1) / ${sql.lit(CHUNK_ITEMS)} end`;
  return sql<JsonChunk>`
    select string_agg(c.json, ',' order by c.n) as json,
      (array_agg(c.key order by c.n desc))[1] as key,
      c.chunk < 0 as beyond
    from (select r.json, r.key, r.n, ${group} as chunk from (${rendered}) as r) as c
    group by c.chunk
    order by c.chunk < 0, c.chunk
  `;
}

export type SessionShape = 'session' | 'calendar';

/**
 * Compiles fragments that take no parameters to text, once. A request adds
 * the text to its query as it is instead of a tree of nodes to compile.
 */
const textCompiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

function precompiled<T>(fragment: RawBuilder<T>): RawBuilder<T> {
  const { sql: text, parameters } = fragment.compile(textCompiler);
  if (parameters.length > 0) throw new Error(`A precompiled fragment has parameters: ${text}`);
  return sql.raw<T>(text);
}

/** The rendering of list items, as text compiled once. */
const RENDER_TEXT = {
  boundTexts: precompiled(boundTexts()),
  localTimes: {
    // An open session recorded slightly ahead of the clock ends, in the
    // calendar, at its start.
    session: precompiled(localTimes(sql`p.now`)),
    calendar: precompiled(localTimes(sql`greatest(p.now, lower(s.period))`)),
  } satisfies Record<SessionShape, RawBuilder<unknown>>,
  session: precompiled(sessionObject()),
  sessionSeconds: precompiled(sessionSeconds()),
  calendar: precompiled(calendarObject()),
  event: precompiled(eventObject()),
  eventTexts: precompiled(eventTexts()),
};

function sessionsToRender(db: Executor) {
  return db.selectFrom('sessions').select([
    'id', 'mac', 'ip', 'period', 'event_type_connection', 'event_type_disconnection',
    'additional_info', startMicros.as('start_us'), sql<Date>`lower(period)`.as('start_at'),
  ]);
}


export type SessionSelection =
  | { kind: 'list'; filter: ListFilter }
  | { kind: 'overlap'; filter: OverlapFilter };

/** Keeps the sessions of a selection. */
function withSelection<O>(select: SessionQuery<O>, selection: SessionSelection): SessionQuery<O> {
  return selection.kind === 'list'
    ? withListFilter(select, selection.filter)
    : withOverlapFilter(select, selection.filter);
}

function selectionQuery(db: Executor, selection: SessionSelection) {
  return withSelection(sessionsToRender(db), selection);
}

/** Builds the query that returns a page of sessions as chunks of JSON items. */
export function sessionJsonQuery(
  db: Executor,
  selection: SessionSelection,
  shape: SessionShape,
  page: PageQuery<SessionKey>,
  render: Render,
): CompiledQuery<JsonChunk> {
  const rows = pagedSessions(selectionQuery(db, selection), page);
  const rendered = sql`
    select ${RENDER_TEXT[shape]} as json, s.start_us || ':' || s.id as key, s.n
    from ${withBoundTexts(rows, render, shape)}
    ${shape === 'session' ? sql`cross join ${RENDER_TEXT.sessionSeconds}` : sql``}
  `;
  return chunked(rendered, page.limit).compile(db);
}

/**
 * Reads a page of a selection's sessions as rows, newest connection first,
 * for lists short enough to render in the service.
 */
export async function listSessionPage(
  db: Executor,
  selection: SessionSelection,
  page: PageQuery<SessionKey> & { limit: number },
): Promise<SessionRow[]> {
  const rows = await sessionsAfter(withSelection(selectSessions(db), selection), page.after)
    .orderBy(sql`lower(period)`, 'desc').orderBy('id', 'desc')
    .limit(page.limit)
    .execute();
  return rows.map(toSessionRow);
}

/** Counts the sessions of a selection after a position, up to `cap`. */
export function sessionCountQuery(
  db: Executor,
  selection: SessionSelection,
  after: SessionKey | undefined,
  cap: number,
): CompiledQuery<{ count: string | number }> {
  const rows = sessionsAfter(selectionQuery(db, selection), after);
  return sql<{ count: string | number }>`
    select count(*) as count from (${rows.limit(cap)}) as s
  `.compile(db);
}

function eventsAfter(after: EventKey | undefined): RawBuilder<boolean> {
  if (!after) return sql<boolean>`true`;
  const at = timestamptz(after.at);
  return sql<boolean>`(e.at < ${at} or (e.at = ${at} and (e.side > ${after.side}
    or (e.side = ${after.side} and e.seq < ${String(after.seq)}::int8))))`;
}

/** Builds the query that returns a page of events as chunks of JSON items. */
export function eventJsonQuery(
  db: Executor,
  query: EventQuery,
  page: PageQuery<EventKey>,
  render: Render,
): CompiledQuery<JsonChunk> {
  // One row more than the limit shows whether more rows follow.
  const limit = page.limit === undefined ? sql`` : sql`limit ${page.limit + 1}`;
  const rendered = sql`
    select ${RENDER_TEXT.event} as json,
      ${epochMicros(sql`e.at`)} || ':' || e.side || ':' || e.seq as key, e.n
    from (
      select *, row_number() over (${EVENT_ORDER}) as n
      from (${eventsUnion(query, page.after?.at)}) as e
      where ${eventsAfter(page.after)}
      ${EVENT_ORDER} ${limit}
    ) as e
    cross join ${renderSettings(render)}
    cross join ${RENDER_TEXT.eventTexts}
  `;
  return chunked(rendered, page.limit).compile(db);
}

/** Counts the events of a query after a position, up to `cap`. */
export function eventCountQuery(
  db: Executor,
  query: EventQuery,
  after: EventKey | undefined,
  cap: number,
): CompiledQuery<{ count: string | number }> {
  return sql<{ count: string | number }>`
    select count(*) as count from (
      select 1 from (${eventsUnion(query, after?.at)}) as e
      where ${eventsAfter(after)} limit ${cap}
    ) as e
  `.compile(db);
}
