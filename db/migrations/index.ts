// Every migration, by name. Names sort in the order they apply.
import type { Migration } from 'kysely';
import * as createSessions from './2026-12-04-01-create-sessions.js';
import * as createEvents from './2026-12-04-02-create-events.js';
import * as deviceKey from './2026-12-04-03-device-key.js';
import * as spanIndex from './2026-12-04-04-span-index.js';

export const migrations: Record<string, Migration> = {
  '2026-12-04-01-create-sessions': createSessions,
  '2026-12-04-02-create-events': createEvents,
  '2026-12-04-03-device-key': deviceKey,
  '2026-12-04-04-span-index': spanIndex,
};
