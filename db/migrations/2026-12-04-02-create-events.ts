import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The scanner source that opened a session; null for sessions written
  // whole through /sessions/create or an import. Snapshots close only
  // sessions of their own source.
  await sql`alter table sessions add column source text`.execute(db);
  // Lookups of a device's open session and of a session by one of its bounds;
  // the exclusion index on (mac, period) serves only range conditions.
  await sql`create index sessions_open_idx on sessions (mac) where upper_inf(period)`.execute(db);
  await sql`create index sessions_mac_lower_idx on sessions (mac, lower(period))`.execute(db);
  await sql`create index sessions_mac_upper_idx on sessions (mac, upper(period))`.execute(db);

  // Standalone events: every event that opens or closes no session, such as
  // IP Changed or VOIDED - Connected. Session sides are events of their own.
  await sql`
    create table events (
      id bigint generated always as identity primary key,
      mac text not null,
      ip inet,
      event_time timestamptz not null,
      event_type text not null,
      additional_info text not null default '',
      pending_alert boolean not null default false,
      source text,
      created_at timestamptz not null default now(),
      constraint events_event_type_length check (char_length(event_type) between 1 and 60),
      constraint events_additional_info_length check (char_length(additional_info) <= 250),
      constraint events_once unique (mac, event_time, event_type)
    )
  `.execute(db);
  await sql`create index events_time_idx on events (event_time)`.execute(db);
  await sql`create index events_mac_time_idx on events (mac, event_time)`.execute(db);

  // The newest snapshot of each scanner source, so snapshots apply in order.
  await sql`
    create table scan_sources (
      source text primary key,
      last_scan timestamptz not null
    )
  `.execute(db);

  // The last snapshot of each source that saw a device, and the first one
  // that missed it since, for the grace period.
  await sql`
    create table presence (
      source text not null,
      mac text not null,
      ip inet,
      last_seen timestamptz not null,
      missed_at timestamptz,
      primary key (source, mac)
    )
  `.execute(db);
  await sql`create index presence_mac_idx on presence (mac)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table presence`.execute(db);
  await sql`drop table scan_sources`.execute(db);
  await sql`drop table events`.execute(db);
  await sql`drop index sessions_mac_upper_idx`.execute(db);
  await sql`drop index sessions_mac_lower_idx`.execute(db);
  await sql`drop index sessions_open_idx`.execute(db);
  await sql`alter table sessions drop column source`.execute(db);
}
