// Kysely table types. The period is a `tstzrange` [connection, disconnection),
// unbounded above while the session is open. Queries read its bounds with
// lower() and upper(), never by parsing the range text.
import type { Generated } from 'kysely';

export interface SessionsTable {
  id: Generated<string>;
  mac: string;
  ip: string | null;
  period: string;
  event_type_connection: string;
  event_type_disconnection: string | null;
  additional_info: Generated<string>;
  created_at: Generated<string>;
}

export interface Database {
  sessions: SessionsTable;
}
