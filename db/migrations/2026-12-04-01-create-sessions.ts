import { type Kysely, sql } from 'kysely';

// Serialises `create extension` across schemas of one database: two
// concurrent creations of the same extension fail with a unique violation.
const EXTENSION_LOCK = 727_001;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${sql.lit(EXTENSION_LOCK)})`.execute(db);
  await sql`create extension if not exists btree_gist`.execute(db);

  await sql`
    create table sessions (
      id bigint generated always as identity primary key,
      mac text not null,
      ip inet,
      period tstzrange not null,
      event_type_connection text not null,
      event_type_disconnection text,
      additional_info text not null default '',
      created_at timestamptz not null default now(),
      constraint sessions_period_bounds check (
        not isempty(period) and not lower_inf(period)
        and lower_inc(period) and not upper_inc(period)
      ),
      constraint sessions_open_without_disconnection check (
        upper_inf(period) = (event_type_disconnection is null)
      ),
      constraint sessions_event_type_length check (
        char_length(event_type_connection) between 1 and 30
        and char_length(event_type_disconnection) between 1 and 30
      ),
      constraint sessions_additional_info_length check (
        char_length(additional_info) <= 250
      ),
      constraint sessions_no_overlap
        exclude using gist (mac with =, period with &&)
    )
  `.execute(db);

  // The exclusion constraint's (mac, period) index serves device queries;
  // calendar and session-event windows over all devices need period alone.
  await sql`create index sessions_period_idx on sessions using gist (period)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table sessions`.execute(db);
}
