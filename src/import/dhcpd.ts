// Parser for the ISC dhcpd lease database (dhcpd.leases(5)). It reads text only,
// so the caller owns file access, MAC validation and the merging of renewals.

/** One lease block of a dhcpd.leases file. Instants are epoch microseconds (bigint). */
export interface DhcpdLease {
  line: number; // 1-based line of the `lease ... {` opening
  ip: string; // the address after `lease`
  mac: string; // `hardware ethernet` value as written (not canonicalised)
  starts: bigint; // epoch microseconds, UTC
  ends: bigint | null; // null for `ends never;`
  bindingState: string | null; // `binding state active;` -> 'active'
  hostname: string | null; // `client-hostname "x";` unquoted, else null
}

/** A lease block that was not returned, with the reason naming the value. */
export interface SkippedLease {
  line: number;
  reason: string;
}

type TokenKind = 'word' | 'string' | 'open' | 'close' | 'semicolon';

interface Token {
  kind: TokenKind;
  text: string; // a string token keeps its escapes, without the quotes
  line: number;
}

/** The tokens before a `;`, `{` or `}`, and that terminator (none at end of file). */
interface Statement {
  start: number;
  words: Token[];
  terminator: Token | undefined;
  next: number;
}

/** End of a block: its `}`, or a cut-off by the end of the file or by a lease header. */
type BlockEnd =
  | { kind: 'closed'; next: number }
  | { kind: 'eof'; next: number }
  | { kind: 'interrupted'; next: number; line: number };

interface LeaseFields {
  hardware: Token[] | null; // the words after `hardware`
  starts: Token[] | null;
  ends: Token[] | null;
  bindingState: string | null;
  hostname: string | null;
}

type LeaseTime =
  | { kind: 'instant'; micros: bigint; text: string }
  | { kind: 'never' }
  | { kind: 'invalid' };

type ParseResult = { leases: DhcpdLease[]; skipped: SkippedLease[] };

const MICROS_PER_MILLI = 1000n;
const MICROS_PER_SECOND = 1_000_000n;
const TIME_FORMS = '"W YYYY/MM/DD HH:MM:SS" or "epoch N"';
const PUNCTUATION = new Map<string, TokenKind>([
  ['{', 'open'],
  ['}', 'close'],
  [';', 'semicolon'],
]);

// Weekday digit, date, time and an optional offset in seconds. ISC DHCP 4.x
// parse_date_core (common/parse.c) adds that offset to the time and ignores
// the weekday, so this parser does the same.
const DATE_TIME_PATTERN = new RegExp(
  '^[0-6] (\\d{4})/(\\d{1,2})/(\\d{1,2}) (\\d{1,2}):(\\d{1,2}):(\\d{1,2})' +
    '(?: ([+-]?\\d{1,6}))?$',
);
const EPOCH_PATTERN = /^epoch (\d{1,15})$/;
const ESCAPE_PATTERN = /^\\(?:([0-3][0-7]{2})|x([0-9a-fA-F]{2})|([\s\S]))/u;
const NAMED_ESCAPES: Record<string, number> = { t: 9, r: 13, n: 10, b: 8 };
const UTF8_ENCODER = new TextEncoder();

/**
 * Parses the text of a dhcpd.leases file into its `lease` blocks in file order.
 * Other declarations are ignored. A lease block that lacks a usable hardware
 * ethernet address, start or end, or that is not closed, goes to `skipped`.
 */
export function parseDhcpdLeases(text: string): ParseResult {
  const tokens = tokenize(text);
  const result: ParseResult = { leases: [], skipped: [] };
  let position = 0;
  while (position < tokens.length) {
    const statement = readStatement(tokens, position);
    position = statement.next;
    if (statement.terminator?.kind !== 'open') continue;
    if (isLeaseHeader(statement.words)) {
      position = parseLeaseBlock(tokens, statement, result);
    } else {
      position = skipBlock(tokens, position).next;
    }
  }
  return result;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === '\n') {
      line += 1;
      index += 1;
    } else if (/\s/.test(char)) {
      index += 1;
    } else if (char === '#') {
      index = skipComment(text, index);
    } else if (char === '"') {
      const end = findStringEnd(text, index + 1);
      const body = text.slice(index + 1, end);
      tokens.push({ kind: 'string', text: body, line });
      line += countNewlines(body);
      index = end + 1;
    } else if (PUNCTUATION.has(char)) {
      tokens.push({ kind: PUNCTUATION.get(char) as TokenKind, text: char, line });
      index += 1;
    } else {
      const end = findWordEnd(text, index);
      tokens.push({ kind: 'word', text: text.slice(index, end), line });
      index = end;
    }
  }
  return tokens;
}

/** Returns the index of the newline ending a `#` comment, or the text length. */
function skipComment(text: string, index: number): number {
  const newline = text.indexOf('\n', index);
  return newline === -1 ? text.length : newline;
}

/** Returns the index of the closing quote, or the text length if there is none. */
function findStringEnd(text: string, index: number): number {
  let position = index;
  while (position < text.length) {
    const char = text[position];
    if (char === '"') return position;
    position += char === '\\' ? 2 : 1;
  }
  return text.length;
}

function findWordEnd(text: string, index: number): number {
  let position = index;
  while (position < text.length && !/[\s{};"#]/.test(text[position] as string)) {
    position += 1;
  }
  return position;
}

function countNewlines(text: string): number {
  return text.split('\n').length - 1;
}

function readStatement(tokens: Token[], start: number): Statement {
  const words: Token[] = [];
  let position = start;
  while (position < tokens.length) {
    const token = tokens[position] as Token;
    position += 1;
    if (token.kind === 'word' || token.kind === 'string') {
      words.push(token);
    } else {
      return { start, words, terminator: token, next: position };
    }
  }
  return { start, words, terminator: undefined, next: position };
}

function isKeyword(token: Token | undefined, keyword: string): boolean {
  return token?.kind === 'word' && token.text.toLowerCase() === keyword;
}

function isLeaseHeader(words: Token[]): boolean {
  return isKeyword(words[0], 'lease');
}

/**
 * Skips the body of a block whose `{` has been read, nested blocks included.
 * Stops before a `lease ... {` header, because dhcpd writes lease declarations
 * only at the top level, so such a header means the open block was cut off.
 */
function skipBlock(tokens: Token[], start: number): BlockEnd {
  let depth = 1;
  let position = start;
  while (position < tokens.length) {
    const statement = readStatement(tokens, position);
    const kind = statement.terminator?.kind;
    if (kind === 'open' && isLeaseHeader(statement.words)) {
      const line = (statement.words[0] as Token).line;
      return { kind: 'interrupted', next: statement.start, line };
    }
    position = statement.next;
    if (kind === 'open') depth += 1;
    if (kind === 'close') depth -= 1;
    if (depth === 0) return { kind: 'closed', next: position };
  }
  return { kind: 'eof', next: tokens.length };
}

/** Reads the statements of a lease body up to its `}`, skipping nested blocks. */
function readLeaseBody(
  tokens: Token[],
  start: number,
): { statements: Token[][]; end: BlockEnd } {
  const statements: Token[][] = [];
  let position = start;
  while (position < tokens.length) {
    const statement = readStatement(tokens, position);
    const kind = statement.terminator?.kind;
    if (kind === 'semicolon') {
      statements.push(statement.words);
      position = statement.next;
    } else if (kind === 'close') {
      return { statements, end: { kind: 'closed', next: statement.next } };
    } else if (kind === 'open' && isLeaseHeader(statement.words)) {
      const line = (statement.words[0] as Token).line;
      const end: BlockEnd = { kind: 'interrupted', next: statement.start, line };
      return { statements, end };
    } else if (kind === 'open') {
      const nested = skipBlock(tokens, statement.next);
      if (nested.kind !== 'closed') return { statements, end: nested };
      position = nested.next;
    } else {
      break;
    }
  }
  return { statements, end: { kind: 'eof', next: tokens.length } };
}

/** Parses one lease block into `result` and returns the position after it. */
function parseLeaseBlock(
  tokens: Token[],
  header: Statement,
  result: ParseResult,
): number {
  const line = (header.words[0] as Token).line;
  const { statements, end } = readLeaseBody(tokens, header.next);
  const address = header.words[1];
  if (header.words.length !== 2 || address?.kind !== 'word') {
    const written = header.words.map((word) => word.text).join(' ');
    const reason = `invalid lease header "${written}", expected "lease ADDRESS {"`;
    result.skipped.push({ line, reason });
    return end.next;
  }
  const ip = address.text;
  if (end.kind !== 'closed') {
    result.skipped.push({ line, reason: `lease ${ip}: ${describeCutOff(end)}` });
    return end.next;
  }
  const built = buildLease(line, ip, collectFields(statements));
  if ('reason' in built) result.skipped.push(built);
  else result.leases.push(built);
  return end.next;
}

function describeCutOff(end: BlockEnd): string {
  if (end.kind === 'interrupted') {
    return `block is not closed before the next lease at line ${end.line}`;
  }
  return 'block is not closed before the end of the file';
}

/** Picks the statements the parser reads. A repeated statement replaces earlier ones. */
function collectFields(statements: Token[][]): LeaseFields {
  const fields: LeaseFields = {
    hardware: null,
    starts: null,
    ends: null,
    bindingState: null,
    hostname: null,
  };
  for (const words of statements) {
    const [first, second, third] = words;
    if (isKeyword(first, 'hardware')) fields.hardware = words.slice(1);
    if (isKeyword(first, 'starts')) fields.starts = words.slice(1);
    if (isKeyword(first, 'ends')) fields.ends = words.slice(1);
    if (isKeyword(first, 'binding') && isKeyword(second, 'state') && third) {
      fields.bindingState = third.text.toLowerCase();
    }
    if (isKeyword(first, 'client-hostname') && second) {
      fields.hostname = second.kind === 'string' ? unquote(second.text) : second.text;
    }
  }
  return fields;
}

function buildLease(
  line: number,
  ip: string,
  fields: LeaseFields,
): DhcpdLease | SkippedLease {
  const problems: string[] = [];
  const mac = readMac(fields.hardware, problems);
  const starts = readTime('starts', fields.starts, problems);
  const ends = readTime('ends', fields.ends, problems);
  if (starts?.kind === 'instant' && ends?.kind === 'instant') {
    if (ends.micros <= starts.micros) {
      problems.push(`ends ${ends.text} is not after starts ${starts.text}`);
    }
  }
  if (starts?.kind === 'never') problems.push('starts never is not a start time');
  if (problems.length > 0 || mac === null || starts?.kind !== 'instant' || !ends) {
    return { line, reason: `lease ${ip}: ${problems.join('; ')}` };
  }
  return {
    line,
    ip,
    mac,
    starts: starts.micros,
    ends: ends.kind === 'instant' ? ends.micros : null,
    bindingState: fields.bindingState,
    hostname: fields.hostname,
  };
}

function readMac(hardware: Token[] | null, problems: string[]): string | null {
  if (hardware === null) {
    problems.push('missing hardware ethernet');
    return null;
  }
  const written = hardware.map((word) => word.text).join(' ');
  const [type, address] = hardware;
  if (!isKeyword(type, 'ethernet')) {
    problems.push(`hardware ${written} is not an ethernet address`);
    return null;
  }
  const hasAddress = hardware.length === 2 && address?.kind === 'word';
  const mac = hasAddress ? address.text.trim() : '';
  if (mac === '') {
    problems.push(`invalid hardware ${written}, expected "hardware ethernet MAC"`);
    return null;
  }
  return mac;
}

/** Reads a `starts` or `ends` value, or adds the problem and returns null. */
function readTime(
  name: string,
  words: Token[] | null,
  problems: string[],
): Exclude<LeaseTime, { kind: 'invalid' }> | null {
  if (words === null) {
    problems.push(`missing ${name}`);
    return null;
  }
  const written = words.map((word) => word.text).join(' ');
  const time = parseLeaseTime(written);
  if (time.kind === 'invalid') {
    problems.push(`invalid ${name} "${written}", expected ${TIME_FORMS}`);
    return null;
  }
  return time;
}

/** Parses `W YYYY/MM/DD HH:MM:SS [offset]` (UTC), `epoch N` or `never`. */
function parseLeaseTime(written: string): LeaseTime {
  if (written.toLowerCase() === 'never') return { kind: 'never' };
  const epoch = EPOCH_PATTERN.exec(written.toLowerCase());
  if (epoch) {
    const seconds = BigInt(epoch[1] as string);
    return { kind: 'instant', micros: seconds * MICROS_PER_SECOND, text: written };
  }
  const match = DATE_TIME_PATTERN.exec(written);
  if (!match) return { kind: 'invalid' };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const fields = [year, month, day, hour, minute, second] as DateFields;
  const millis = utcMillis(fields);
  if (millis === null) return { kind: 'invalid' };
  const offsetSeconds = BigInt(match[7] ?? '0');
  const micros = BigInt(millis) * MICROS_PER_MILLI + offsetSeconds * MICROS_PER_SECOND;
  // Reasons show the value without the weekday digit, which the parser ignores.
  return { kind: 'instant', micros, text: written.slice(2) };
}

/** Year, month (1-12), day, hour, minute and second. */
type DateFields = [number, number, number, number, number, number];

/** Returns Date.UTC of the fields, or null when a field is out of range. */
function utcMillis(fields: DateFields): number | null {
  const [year, month, day, hour, minute, second] = fields;
  const millis = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(millis);
  const roundTrip: DateFields = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  // Date.UTC rolls 2013/02/30 over to March and years 0-99 to the 1900s, so a
  // changed field means the value is out of range.
  return roundTrip.every((value, index) => value === fields[index]) ? millis : null;
}

/**
 * Decodes a dhcpd string body. The escapes are those of the dhcpd lexer:
 * \t \r \n \b, three octal digits, \x and two hex digits, and a backslash
 * before any other character, which stands for that character. Escaped bytes
 * are decoded as UTF-8, and invalid sequences become U+FFFD.
 */
function unquote(body: string): string {
  const bytes: number[] = [];
  let index = 0;
  while (index < body.length) {
    const escape = ESCAPE_PATTERN.exec(body.slice(index, index + 4));
    if (escape) {
      bytes.push(...escapedBytes(escape));
      index += escape[0].length;
    } else {
      const char = String.fromCodePoint(body.codePointAt(index) as number);
      bytes.push(...UTF8_ENCODER.encode(char));
      index += char.length;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function escapedBytes(escape: RegExpExecArray): number[] {
  const [, octal, hex, other] = escape;
  if (octal !== undefined) return [parseInt(octal, 8)];
  if (hex !== undefined) return [parseInt(hex, 16)];
  const char = other as string;
  const named = NAMED_ESCAPES[char];
  return named === undefined ? [...UTF8_ENCODER.encode(char)] : [named];
}
