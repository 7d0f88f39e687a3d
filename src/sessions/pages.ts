// Reads a list response as chunks of JSON items rendered by the database. A
// request with `limit` gets one page and the cursor of the next. A request
// without it gets the complete list, rejected above MAX_ROWS. A list longer
// than one read is streamed from a server-side cursor, so memory stays
// bounded however large the list.
import type { CompiledQuery } from 'kysely';
import type { DatabaseHandle } from '../../db/connect.js';
import { ApiError, invalidField } from '../errors.js';
import { toCalendarItem, toSessionResponse } from './format.js';
import { isSupportedInstant } from './time.js';
import {
  eventCountQuery,
  type EventKey,
  eventJsonQuery,
  type EventQuery,
  type Executor,
  type JsonChunk,
  listSessionPage,
  type PageQuery,
  type Render,
  sessionCountQuery,
  sessionJsonQuery,
  type SessionKey,
  type SessionSelection,
  type SessionShape,
} from './repository.js';

/** The largest `limit` a request may send. */
export const PAGE_LIMIT_MAX = 10_000;
/**
 * Items read at once before a complete list is counted and streamed: about
 * 2 MB of session objects.
 * NOTE: npm start caps the old space at 96 MB; how many such reads fit at
 * once is estimated from their size, not measured under load.
 */
const FIRST_ROWS = 5_000;
/**
 * Chunks per read from a server-side cursor: 250 items. Reads of four chunks
 * raised the peak RSS of two concurrent 7.5 MB lists in 30 s from about 120
 * to 140-150 MB, although the JavaScript heap stayed below 60 MB.
 */
const CURSOR_CHUNKS = 1;
/**
 * Items of a usually short session list, such as a device's last days, that
 * are read as rows and rendered in the service. The database renders the
 * rest, in one more query. Rendering a device's four rows in PostgreSQL 15
 * took half again the database CPU of reading them (measured on 2 vCPUs).
 */
const HEAD_ITEMS = 16;

/** The queries of one list: its rows after a position, and their count. */
export interface ListSource<Key> {
  kind: KeyKind<Key>;
  rows(page: PageQuery<Key>): CompiledQuery<JsonChunk>;
  count(after: Key | undefined, cap: number): CompiledQuery<{ count: string | number }>;
  /** Reads up to `limit` items after a position, rendered in the service. */
  head?(page: PageQuery<Key> & { limit: number }): Promise<Read>;
}

export interface JsonList {
  /** The chunks read before the response starts; a chunk is items joined by commas. */
  first: string[];
  /** The rest of a complete list, when it is longer than `first`. */
  rest?: AsyncIterable<string[]>;
  /** With `limit` only: the cursor of the next page, or null after the last. */
  nextCursor?: string | null;
}

export interface PageRequest<Key> {
  limit?: number | undefined;
  after?: Key | undefined;
}

/** The encoding of a list's positions in a cursor. */
export interface KeyKind<Key> {
  prefix: string;
  /** Parses the database's key text; null when it is not one. */
  parse(text: string): Key | null;
}

const DIGITS = /^-?\d{1,19}$/;

export const SESSION_KEYS: KeyKind<SessionKey> = {
  prefix: 's',
  parse(text) {
    const [start, id, ...rest] = text.split(':');
    if (rest.length > 0 || !DIGITS.test(start ?? '') || !/^\d{1,15}$/.test(id ?? '')) return null;
    const key = { start: BigInt(start!), id: Number(id) };
    return isSupportedInstant(key.start) ? key : null;
  },
};

export const EVENT_KEYS: KeyKind<EventKey> = {
  prefix: 'e',
  parse(text) {
    const [at, side, seq, ...rest] = text.split(':');
    if (rest.length > 0 || !DIGITS.test(at ?? '') || !/^[012]$/.test(side ?? '') ||
        !/^\d{1,15}$/.test(seq ?? '')) return null;
    const key = { at: BigInt(at!), side: Number(side), seq: Number(seq) };
    return isSupportedInstant(key.at) ? key : null;
  },
};

function encodeCursor(kind: KeyKind<unknown>, key: string): string {
  return Buffer.from(`${kind.prefix}:${key}`, 'utf8').toString('base64url');
}

/** Reads `limit` and `cursor` of a request; a bad value is a 400 naming it. */
export function readPageRequest<Key>(
  kind: KeyKind<Key>,
  limit: string | undefined,
  cursor: string | undefined,
): PageRequest<Key> {
  const request: PageRequest<Key> = {};
  if (limit !== undefined) {
    if (!/^\d{1,6}$/.test(limit) || Number(limit) < 1 || Number(limit) > PAGE_LIMIT_MAX) {
      throw invalidField('limit', limit, `expected a whole number from 1 to ${PAGE_LIMIT_MAX}`);
    }
    request.limit = Number(limit);
  }
  if (cursor !== undefined) {
    const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor)
      ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
    const key = text.startsWith(`${kind.prefix}:`) ? kind.parse(text.slice(kind.prefix.length + 1)) : null;
    if (key === null) {
      throw invalidField('cursor', cursor,
        'it is not a next_cursor of this list; send the next_cursor of the previous page unchanged');
    }
    request.after = key;
  }
  return request;
}

function tooManyRows(maxRows: number): ApiError {
  return new ApiError(400, 'too_many_rows',
    `The result has more than ${maxRows} rows (MAX_ROWS). Send limit to read it in pages ` +
    'with cursor, or narrow the window.');
}

export interface Read {
  chunks: string[];
  /** The position of the last item read; undefined when none was. */
  lastKey: string | undefined;
  /** Whether items follow past the limit. */
  more: boolean;
}

async function readChunks(database: DatabaseHandle, query: CompiledQuery<JsonChunk>): Promise<Read> {
  const { rows } = await database.db.executeQuery(query);
  const read: Read = { chunks: [], lastKey: undefined, more: false };
  for (const row of rows) {
    if (row.beyond) {
      read.more = true;
    } else {
      read.chunks.push(row.json);
      read.lastKey = row.key;
    }
  }
  return read;
}

/** Reads a list as JSON chunks: a page with `limit`, else the complete list. */
export async function readJsonList<Key>(
  database: DatabaseHandle,
  source: ListSource<Key>,
  request: PageRequest<Key>,
  maxRows: number,
): Promise<JsonList> {
  const keyOf = (text: string): Key => {
    const key = source.kind.parse(text);
    if (key === null) throw new Error(`The database returned an unreadable list position ${text}.`);
    return key;
  };
  const firstRows = request.limit ?? Math.min(FIRST_ROWS, maxRows);
  const first = await readFirst(database, source, request.after, firstRows, keyOf);
  if (request.limit !== undefined) {
    return {
      first: first.chunks,
      nextCursor: first.more ? encodeCursor(source.kind, first.lastKey!) : null,
    };
  }
  if (!first.more) return { first: first.chunks };
  if (firstRows === maxRows) throw tooManyRows(maxRows);

  const { rows: [counted] } = await database.db.executeQuery(source.count(request.after, maxRows + 1));
  if (Number(counted?.count ?? 0) > maxRows) throw tooManyRows(maxRows);

  const rest = source.rows({ after: keyOf(first.lastKey!) });
  if (database.kind === 'embedded') {
    // The embedded database has one session: a cursor held while a client
    // reads would stall every other request, so the rest is read at once.
    const all = await readChunks(database, rest);
    return { first: [...first.chunks, ...all.chunks] };
  }
  return { first: first.chunks, rest: cursorChunks(database, rest) };
}

/**
 * Reads up to `limit` items after a position: the head rendered in the
 * service, then the rest as chunks from the database.
 */
async function readFirst<Key>(
  database: DatabaseHandle,
  source: ListSource<Key>,
  after: Key | undefined,
  limit: number,
  keyOf: (text: string) => Key,
): Promise<Read> {
  if (!source.head) return readChunks(database, source.rows({ after, limit }));
  const headItems = Math.min(HEAD_ITEMS, limit);
  const head = await source.head({ after, limit: headItems });
  if (!head.more || headItems === limit) return head;
  const rest = await readChunks(database, source.rows({ after: keyOf(head.lastKey!), limit: limit - headItems }));
  return {
    chunks: [...head.chunks, ...rest.chunks],
    lastKey: rest.lastKey ?? head.lastKey,
    more: rest.more,
  };
}

async function* cursorChunks(
  database: DatabaseHandle,
  query: CompiledQuery<JsonChunk>,
): AsyncIterable<string[]> {
  for await (const result of database.db.getExecutor().stream(query, CURSOR_CHUNKS)) {
    yield result.rows.map((row) => row.json);
  }
}

/**
 * Builds the list source of a selection's sessions, as session objects or
 * calendar items. A `short` selection starts with items rendered in the
 * service.
 */
export function sessionSource(
  db: Executor,
  selection: SessionSelection,
  shape: SessionShape,
  render: Render,
  short = false,
): ListSource<SessionKey> {
  const source: ListSource<SessionKey> = {
    kind: SESSION_KEYS,
    rows: (page) => sessionJsonQuery(db, selection, shape, page, render),
    count: (after, cap) => sessionCountQuery(db, selection, after, cap),
  };
  if (!short) return source;
  const toItem = shape === 'session' ? toSessionResponse : toCalendarItem;
  return {
    ...source,
    async head(page) {
      const rows = await listSessionPage(db, selection, { after: page.after, limit: page.limit + 1 });
      const items = rows.slice(0, page.limit);
      const last = items.at(-1);
      return {
        chunks: items.length === 0 ? [] : [items.map((row) => JSON.stringify(toItem(row, render.zone, render.now))).join(',')],
        lastKey: last && `${last.start}:${last.id}`,
        more: rows.length > page.limit,
      };
    },
  };
}

/** Builds the list source of a query's events, as event rows. */
export function eventSource(db: Executor, query: EventQuery, render: Render): ListSource<EventKey> {
  return {
    kind: EVENT_KEYS,
    rows: (page) => eventJsonQuery(db, query, page, render),
    count: (after, cap) => eventCountQuery(db, query, after, cap),
  };
}
