// Parser for the JSON that NetAlertX's webhook publisher sends. It reads an
// already decoded JSON value and checks the shape of MAC and IP addresses, so
// the caller owns the HTTP request, full address validation and the conversion
// of the written times in its zone.
//
// With WEBHOOK_PAYLOAD set to `json`, the publisher
// (`front/plugins/_publisher_webhook/webhook.py` in NetAlertX) posts a
// Slack-style body whose `attachments[0].text` is the notification object. That object contains the
// arrays `new_devices`, `down_devices`, `down_reconnected`, `events` and
// `plugins`, each with a `*_meta` object of column names. Rows use one of two
// key sets: `MAC`, `Datetime`, `IP`, `Event Type`, `Device name`, `Comments`,
// or `eve_MAC`, `eve_DateTime`, `eve_IP`, `eve_EventType`, `devName`. The
// publisher drops keys whose JSON exceeds WEBHOOK_SIZE, so arrays may be absent.

/** One device event of a webhook body. */
export interface NetAlertXEvent {
  index: number; // 0-based position among all rows in input order, for reports
  mac: string; // as written, trimmed (not canonicalised)
  ip: string | null; // null when absent or empty
  type: string; // the row's event type, else the default of its array
  time: string; // as written, trimmed: a naive wall time or one with an offset
  additionalInfo: string; // device name and comments joined by '; ', '' if none
}

/** A row or request that was not returned, with the reason naming the value. */
export interface SkippedRow {
  index: number; // shares the sequence of NetAlertXEvent.index
  reason: string;
}

type ParseResult = { events: NetAlertXEvent[]; skipped: SkippedRow[] };

type JsonObject = Record<string, unknown>;

interface ParseState {
  result: ParseResult;
  nextIndex: number;
}

/** The outcome of reading one text field of a row. */
type TextField = { ok: true; text: string | null } | { ok: false; reason: string };

/** Event arrays, each with the type of its rows that have none. Null means a row needs one. */
const EVENT_ARRAYS = new Map<string, string | null>([
  ['new_devices', 'New Device'],
  ['down_devices', 'Device Down'],
  ['down_reconnected', 'Down Reconnected'],
  ['events', null],
]);
const MAC_KEYS = ['MAC', 'eve_MAC'];
const TIME_KEYS = ['Datetime', 'eve_DateTime'];
const IP_KEYS = ['IP', 'eve_IP'];
const TYPE_KEYS = ['Event Type', 'eve_EventType'];
const NAME_KEYS = ['Device name', 'devName'];
const COMMENT_KEYS = ['Comments'];
const INFO_SEPARATOR = '; ';
// Colon or dash pairs, Cisco dots or bare hex, as the service accepts them.
const MAC_PATTERN =
  /^(?:[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}|[0-9a-f]{4}(?:\.[0-9a-f]{4}){2}|[0-9a-f]{12})$/i;
const IPV4_PATTERN = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_PATTERN = /^(?=.*:)[0-9a-f:.]{2,}$/i;
const JSON_PAYLOAD_HINT = 'expected a body that NetAlertX sends with WEBHOOK_PAYLOAD set to json';

/**
 * Parses a NetAlertX webhook body, a captured request with a `body`, or an
 * array of captured requests, into device events in input order. Arrays are
 * read in the order of their keys, and other keys such as `plugins` are
 * ignored. A row without MAC or time, or an `events` row without type, goes
 * to `skipped`, and so does a request whose body has no notification object.
 */
export function parseNetAlertXWebhook(json: unknown): ParseResult {
  const state: ParseState = { result: { events: [], skipped: [] }, nextIndex: 0 };
  if (Array.isArray(json)) {
    json.forEach((request, index) => readRequest(state, request, `request ${index + 1}`));
  } else {
    readRequest(state, json, null);
  }
  return state.result;
}

function readRequest(state: ParseState, request: unknown, label: string | null): void {
  const text = readNotification(bodyOf(request));
  if (typeof text === 'string') {
    skip(state, label === null ? text : `${label}: ${text}`);
    return;
  }
  const prefix = label === null ? '' : `${label}, `;
  for (const [key, rows] of Object.entries(text)) {
    const defaultType = EVENT_ARRAYS.get(key);
    if (defaultType === undefined || rows === null) continue;
    if (!Array.isArray(rows)) {
      skip(state, `${prefix}${key}: expected an array, found ${describe(rows)}`);
      continue;
    }
    rows.forEach((row, index) => {
      readRow(state, row, `${prefix}row ${index + 1} of ${key}`, defaultType);
    });
  }
}

/** Returns the body of a captured request, or the value itself when it is a body. */
function bodyOf(request: unknown): unknown {
  return isObject(request) && 'body' in request ? request.body : request;
}

/** Returns `attachments[0].text` as an object, or the reason it is not one. */
function readNotification(value: unknown): JsonObject | string {
  const body = typeof value === 'string' ? parseJson(value) : value;
  if (body === undefined && typeof value === 'string') return 'body is not JSON';
  if (!isObject(body)) return `expected a webhook body object, found ${describe(body)}`;
  const attachments = body.attachments;
  const first: unknown = Array.isArray(attachments) ? attachments[0] : undefined;
  if (!isObject(first) || first.text === undefined || first.text === null) {
    return `missing attachments[0].text, ${JSON_PAYLOAD_HINT}`;
  }
  const text = typeof first.text === 'string' ? parseJson(first.text) : first.text;
  if (text === undefined) return `attachments[0].text is not JSON, ${JSON_PAYLOAD_HINT}`;
  if (!isObject(text)) {
    return `expected attachments[0].text to be an object, found ${describe(text)}`;
  }
  return text;
}

function readRow(
  state: ParseState,
  row: unknown,
  where: string,
  defaultType: string | null,
): void {
  if (!isObject(row)) {
    skip(state, `${where}: expected an object, found ${describe(row)}`);
    return;
  }
  const problems: string[] = [];
  const mac = readMac(row, problems);
  const time = readRequired(row, TIME_KEYS, 'time', problems);
  const ip = readIp(row, problems);
  const type = readType(row, defaultType, problems);
  const additionalInfo = readInfo(row, problems);
  if (problems.length > 0 || mac === null || time === null || type === null) {
    skip(state, `${where}: ${problems.join('; ')}`);
    return;
  }
  const index = takeIndex(state);
  state.result.events.push({ index, mac, ip, type, time, additionalInfo });
}

function readMac(row: JsonObject, problems: string[]): string | null {
  const mac = readRequired(row, MAC_KEYS, 'MAC', problems);
  // NetAlertX keys the WAN side as the device `Internet`.
  if (mac === null || MAC_PATTERN.test(mac) || mac.toLowerCase() === 'internet') return mac;
  problems.push(`invalid MAC "${mac}"`);
  return null;
}

function readIp(row: JsonObject, problems: string[]): string | null {
  const ip = readOptional(row, IP_KEYS, problems);
  if (ip === null || IPV4_PATTERN.test(ip) || IPV6_PATTERN.test(ip)) return ip;
  problems.push(`invalid IP "${ip}"`);
  return null;
}

function readType(row: JsonObject, defaultType: string | null, problems: string[]): string | null {
  if (defaultType === null) return readRequired(row, TYPE_KEYS, 'event type', problems);
  return readOptional(row, TYPE_KEYS, problems) ?? defaultType;
}

function readInfo(row: JsonObject, problems: string[]): string {
  const parts = [readOptional(row, NAME_KEYS, problems), readOptional(row, COMMENT_KEYS, problems)];
  return parts.filter((part) => part !== null).join(INFO_SEPARATOR);
}

/** Reads a field that must be present, naming its keys when it is missing. */
function readRequired(
  row: JsonObject,
  keys: string[],
  name: string,
  problems: string[],
): string | null {
  const field = readText(row, keys);
  if (!field.ok) {
    problems.push(field.reason);
    return null;
  }
  if (field.text === null) {
    const keyList = name === keys[0] ? '' : ` (${keys.join(' or ')})`;
    problems.push(`missing ${name}${keyList}`);
  }
  return field.text;
}

function readOptional(row: JsonObject, keys: string[], problems: string[]): string | null {
  const field = readText(row, keys);
  if (field.ok) return field.text;
  problems.push(field.reason);
  return null;
}

/**
 * Reads the first of `keys` that is present and not null, trimmed. An empty
 * string counts as absent. A value other than a string is an error.
 */
function readText(row: JsonObject, keys: string[]): TextField {
  for (const key of keys) {
    const value = row[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      return { ok: false, reason: `invalid ${key} ${JSON.stringify(value)}, expected a string` };
    }
    const text = value.trim();
    return { ok: true, text: text === '' ? null : text };
  }
  return { ok: true, text: null };
}

/** Returns the parsed JSON, or undefined when the text is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names the JSON type of a value for a reason, such as `a string` or `null`. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function skip(state: ParseState, reason: string): void {
  state.result.skipped.push({ index: takeIndex(state), reason });
}

function takeIndex(state: ParseState): number {
  const index = state.nextIndex;
  state.nextIndex += 1;
  return index;
}
