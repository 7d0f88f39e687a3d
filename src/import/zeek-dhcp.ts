// Parser for a Zeek dhcp.log written by the ASCII log writer in its default
// form: `#` header lines, then one row per DHCP exchange. It reads text and
// checks the shape of MAC and IP addresses, so the caller owns file access,
// full address validation and turning rows into sessions.
//
// Format facts, from Zeek's src/threading/formatters/Ascii.cc and the logs it
// writes: `#separator` gives the column separator with `\x` escapes, and the
// other headers use that separator. `#fields` names the columns, so rows are
// read by name. A value equal to `#unset_field` is unset and one equal to
// `#empty_field` is an empty string or set. A string that happens to equal
// either marker is written with its first character as `\xHH`, so markers are
// compared before escapes are decoded.

/** One row of a Zeek dhcp.log. Instants are epoch microseconds (bigint). */
export interface ZeekDhcpRow {
  line: number; // 1-based line number
  ts: bigint; // `ts`, the time of the first message of the exchange
  mac: string; // `mac` as written (not canonicalised)
  ip: string | null; // `assigned_addr`, null when unset
  messageTypes: string[]; // `msg_types` in log order, such as DISCOVER, ACK, RELEASE
  leaseSeconds: number | null; // `lease_time`, null when unset
  hostname: string | null; // `host_name`, null when unset or empty
}

/** A line that was not returned, with the reason naming the value. */
export interface SkippedLine {
  line: number;
  reason: string;
}

type ParseResult = { rows: ZeekDhcpRow[]; skipped: SkippedLine[] };

interface LogHeader {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  fields: string[] | null;
  fieldsLine: number;
}

/** A value as read from a row: absent (no such column), unset, or text. */
type FieldValue = { kind: 'absent' } | { kind: 'unset' } | { kind: 'text'; text: string };

type RowValues = Map<string, string>;

const MICROS_PER_SECOND = 1_000_000n;
const SEPARATOR_HEADER = /^#separator[ \t](.*)$/;
const TIME_PATTERN = /^(\d{1,15})(?:\.(\d+))?$/;
const INTERVAL_PATTERN = /^\d+(?:\.\d+)?$/;
const MAC_PATTERN = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const IPV4_PATTERN = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_PATTERN = /^(?=.*:)[0-9a-f:.]{2,}$/i;
const ESCAPE_PATTERN = /^\\x([0-9a-fA-F]{2})/;
const UTF8_ENCODER = new TextEncoder();
const MISSING_FIELDS =
  'missing #fields header, expected a Zeek ASCII log with its # header lines ' +
  '(JSON logs and the writer\'s tsv=T form are not supported)';

/**
 * Parses the text of a Zeek dhcp.log into its rows in file order. Header lines
 * may appear again later, as in logs that were concatenated. A row without
 * `ts` or `mac`, with an invalid value or with a field count other than that
 * of `#fields` goes to `skipped`. Text without any `#fields` header returns a
 * single skipped line 1.
 */
export function parseZeekDhcpLog(text: string): ParseResult {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (!lines.some((line) => line.startsWith('#fields'))) {
    return { rows: [], skipped: [{ line: 1, reason: MISSING_FIELDS }] };
  }
  const result: ParseResult = { rows: [], skipped: [] };
  const header = defaultHeader();
  lines.forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    if (content.startsWith('#')) {
      readHeaderLine(header, line, content);
      return;
    }
    const parsed = parseRow(header, line, content);
    if ('reason' in parsed) result.skipped.push(parsed);
    else result.rows.push(parsed);
  });
  return result;
}

/** Returns the markers of a default Zeek ASCII log, which apply until headers change them. */
function defaultHeader(): LogHeader {
  return {
    separator: '\t',
    setSeparator: ',',
    emptyField: '(empty)',
    unsetField: '-',
    fields: null,
    fieldsLine: 0,
  };
}

function readHeaderLine(header: LogHeader, line: number, content: string): void {
  const separator = SEPARATOR_HEADER.exec(content);
  if (separator) {
    header.separator = decodeEscapes(separator[1] as string);
    return;
  }
  const [name, ...values] = content.split(header.separator);
  const value = decodeEscapes(values.join(header.separator));
  if (name === '#set_separator') header.setSeparator = value;
  if (name === '#empty_field') header.emptyField = value;
  if (name === '#unset_field') header.unsetField = value;
  if (name === '#fields') {
    header.fields = values.map((field) => field.trim());
    header.fieldsLine = line;
  }
}

function parseRow(header: LogHeader, line: number, content: string): ZeekDhcpRow | SkippedLine {
  const { fields } = header;
  if (fields === null) return { line, reason: 'row before the first #fields header' };
  const values = content.split(header.separator);
  if (values.length !== fields.length) {
    const reason = `expected ${fields.length} fields as named by #fields on line ` +
      `${header.fieldsLine}, found ${values.length}`;
    return { line, reason };
  }
  const row: RowValues = new Map(fields.map((name, index) => [name, values[index] as string]));
  const problems: string[] = [];
  const ts = readTime(header, row, problems);
  const mac = readMac(header, row, problems);
  const ip = readAddress(header, row, problems);
  const leaseSeconds = readInterval(header, row, 'lease_time', problems);
  if (problems.length > 0 || ts === null || mac === null) {
    return { line, reason: problems.join('; ') };
  }
  return {
    line,
    ts,
    mac,
    ip,
    messageTypes: readList(header, row, 'msg_types'),
    leaseSeconds,
    hostname: readString(header, row, 'host_name'),
  };
}

/** Reads a column, comparing the markers before it decodes `\x` escapes. */
function readField(header: LogHeader, row: RowValues, name: string): FieldValue {
  const raw = row.get(name);
  if (raw === undefined) return { kind: 'absent' };
  const trimmed = raw.trim();
  if (trimmed === header.unsetField) return { kind: 'unset' };
  if (trimmed === header.emptyField) return { kind: 'text', text: '' };
  return { kind: 'text', text: decodeEscapes(trimmed).trim() };
}

/** Reads a required column, recording why it is missing. */
function readRequired(
  header: LogHeader,
  row: RowValues,
  name: string,
  problems: string[],
): string | null {
  const value = readField(header, row, name);
  if (value.kind === 'absent') {
    problems.push(`missing ${name}, because #fields on line ${header.fieldsLine} has no ${name}`);
    return null;
  }
  if (value.kind === 'unset' || value.text === '') {
    problems.push(`missing ${name}`);
    return null;
  }
  return value.text;
}

/** Reads `ts` from its decimal text, so that no microsecond is lost to a float. */
function readTime(header: LogHeader, row: RowValues, problems: string[]): bigint | null {
  const text = readRequired(header, row, 'ts', problems);
  if (text === null) return null;
  const match = TIME_PATTERN.exec(text);
  if (!match) {
    problems.push(`invalid ts "${text}", expected epoch seconds such as 1370200442.323173`);
    return null;
  }
  // Zeek writes six decimals. Digits past the sixth are cut, as parseInstant in
  // src/sessions/time.ts does.
  const fraction = (match[2] ?? '').slice(0, 6).padEnd(6, '0');
  return BigInt(match[1] as string) * MICROS_PER_SECOND + BigInt(fraction);
}

function readMac(header: LogHeader, row: RowValues, problems: string[]): string | null {
  const mac = readRequired(header, row, 'mac', problems);
  if (mac === null) return null;
  if (!MAC_PATTERN.test(mac)) {
    problems.push(`invalid mac "${mac}"`);
    return null;
  }
  return mac;
}

function readAddress(header: LogHeader, row: RowValues, problems: string[]): string | null {
  const ip = readString(header, row, 'assigned_addr');
  if (ip === null || IPV4_PATTERN.test(ip) || IPV6_PATTERN.test(ip)) return ip;
  problems.push(`invalid assigned_addr "${ip}"`);
  return null;
}

/** Reads an interval column as seconds, for example `900.000000` as 900. */
function readInterval(
  header: LogHeader,
  row: RowValues,
  name: string,
  problems: string[],
): number | null {
  const text = readString(header, row, name);
  if (text === null) return null;
  if (!INTERVAL_PATTERN.test(text)) {
    problems.push(`invalid ${name} "${text}", expected seconds such as 900.000000`);
    return null;
  }
  return Number(text);
}

/** Reads a string column. Absent, unset and empty values are null. */
function readString(header: LogHeader, row: RowValues, name: string): string | null {
  const value = readField(header, row, name);
  if (value.kind !== 'text' || value.text === '') return null;
  return value.text;
}

/** Reads a set or vector column into its elements. Absent, unset and empty are []. */
function readList(header: LogHeader, row: RowValues, name: string): string[] {
  const raw = row.get(name)?.trim();
  if (raw === undefined || raw === header.unsetField || raw === header.emptyField) return [];
  // Zeek escapes the set separator inside an element, so splitting comes first.
  return raw
    .split(header.setSeparator)
    .filter((element) => element !== header.unsetField && element !== header.emptyField)
    .map((element) => decodeEscapes(element).trim())
    .filter((element) => element !== '');
}

/** Decodes `\xHH` escapes to bytes, and the bytes as UTF-8 (invalid ones as U+FFFD). */
function decodeEscapes(text: string): string {
  if (!text.includes('\\x')) return text;
  const bytes: number[] = [];
  let index = 0;
  while (index < text.length) {
    const escape = ESCAPE_PATTERN.exec(text.slice(index, index + 4));
    if (escape) {
      bytes.push(parseInt(escape[1] as string, 16));
      index += escape[0].length;
    } else {
      const char = String.fromCodePoint(text.codePointAt(index) as number);
      bytes.push(...UTF8_ENCODER.encode(char));
      index += char.length;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
