// Kysely table types. The period is a `tstzrange` [connection, disconnection),
// unbounded above while the session is open. Queries read its bounds with
// lower() and upper(), never by parsing the range text.
import type { Generated, GeneratedAlways } from 'kysely';

export interface SessionsTable {
  id: Generated<string>;
  mac: string;
  /** The MAC as an int8, derived by the database: the exclusion constraint's key. */
  device_key: GeneratedAlways<string>;
  ip: string | null;
  period: string;
  event_type_connection: string;
  event_type_disconnection: string | null;
  additional_info: Generated<string>;
  source: string | null;
  created_at: Generated<string>;
}

export interface EventsTable {
  id: Generated<string>;
  mac: string;
  ip: string | null;
  event_time: Date;
  event_type: string;
  additional_info: string;
  pending_alert: boolean;
  source: string | null;
  created_at: Generated<string>;
}

export interface PresenceTable {
  source: string;
  mac: string;
  ip: string | null;
  last_seen: Date;
  missed_at: Date | null;
}

export interface ScanSourcesTable {
  source: string;
  last_scan: Date;
}

export interface Database {
  sessions: SessionsTable;
  events: EventsTable;
  presence: PresenceTable;
  scan_sources: ScanSourcesTable;
}
