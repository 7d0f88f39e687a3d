import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseZeekDhcpLog, type ZeekDhcpRow } from '../../src/import/zeek-dhcp.js';

function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

function iso(micros: bigint): string {
  return new Date(Number(micros / 1000n)).toISOString();
}

function rowAt(rows: ZeekDhcpRow[], index: number): ZeekDhcpRow {
  const row = rows[index];
  if (!row) throw new Error(`no row at index ${index}, found ${rows.length}`);
  return row;
}

/** Joins header and row lines, each given as columns, with tabs. */
function zeekLog(...lines: string[][]): string {
  return lines.map((columns) => columns.join('\t')).join('\n');
}

const ALL_MSG_TYPES = 'zeek_dhcp-all-msg-types_dhcp.tsv';
const EDGE_CASES = 'zeek-dhcp-edge-cases.tsv';
const MISSING_FIELDS =
  'missing #fields header, expected a Zeek ASCII log with its # header lines ' +
  '(JSON logs and the writer\'s tsv=T form are not supported)';

t.test('all-msg-types fixture row counts', async (t) => {
  const { rows, skipped } = parseZeekDhcpLog(readFixture(ALL_MSG_TYPES));
  t.equal(rows.length, 3);
  t.equal(skipped.length, 0);
  t.same(
    rows.map((row) => row.line),
    [9, 10, 11],
  );
});

t.test('all-msg-types fixture exchange row', async (t) => {
  const row = rowAt(parseZeekDhcpLog(readFixture(ALL_MSG_TYPES)).rows, 0);
  t.equal(row.line, 9);
  t.equal(row.ts, 1370200442323173n);
  t.equal(iso(row.ts), '2013-06-02T19:14:02.323Z');
  t.equal(row.mac, '90:b1:1c:99:49:29');
  t.equal(row.ip, '128.2.6.189');
  t.same(row.messageTypes, ['DISCOVER', 'OFFER', 'REQUEST', 'NAK', 'REQUEST', 'ACK', 'DECLINE']);
  t.equal(row.leaseSeconds, 900);
  t.equal(row.hostname, 'btest.is.cool');
});

t.test('all-msg-types fixture release row', async (t) => {
  const row = rowAt(parseZeekDhcpLog(readFixture(ALL_MSG_TYPES)).rows, 1);
  t.equal(row.line, 10);
  t.equal(row.ts, 1370200446402928n);
  t.equal(row.mac, '90:b1:1c:99:49:29');
  t.equal(row.ip, null);
  t.same(row.messageTypes, ['RELEASE']);
  t.equal(row.leaseSeconds, null);
  t.equal(row.hostname, null);
});

t.test('all-msg-types fixture inform row', async (t) => {
  const row = rowAt(parseZeekDhcpLog(readFixture(ALL_MSG_TYPES)).rows, 2);
  t.equal(row.line, 11);
  t.equal(row.ts, 1370200447422207n);
  t.equal(row.mac, '90:b1:1c:99:49:29');
  t.equal(row.ip, null, 'requested_addr is not the assigned address');
  t.same(row.messageTypes, ['INFORM']);
  t.equal(row.leaseSeconds, null);
  t.equal(row.hostname, 'btest.is.cool');
});

t.test('edge cases fixture counts', async (t) => {
  const { rows, skipped } = parseZeekDhcpLog(readFixture(EDGE_CASES));
  t.equal(rows.length, 5);
  t.equal(skipped.length, 5);
  t.same(
    rows.map((row) => row.line),
    [9, 12, 13, 25, 26],
  );
  t.same(
    skipped.map((row) => row.line),
    [10, 11, 14, 15, 27],
  );
});

t.test('parser keeps microseconds exactly', async (t) => {
  const row = rowAt(parseZeekDhcpLog(readFixture(EDGE_CASES)).rows, 0);
  t.equal(row.ts, 1710324000000001n);
  t.equal(row.ts % 1_000_000n, 1n);
});

t.test('parser reads full exchange row', async (t) => {
  const row = rowAt(parseZeekDhcpLog(readFixture(EDGE_CASES)).rows, 0);
  t.equal(row.mac, '02:00:00:00:00:01');
  t.equal(row.ip, '192.0.2.10');
  t.same(row.messageTypes, ['DISCOVER', 'OFFER', 'REQUEST', 'ACK']);
  t.equal(row.leaseSeconds, 3600);
});

t.test('parser decodes escaped UTF-8 bytes', async (t) => {
  const row = rowAt(parseZeekDhcpLog(readFixture(EDGE_CASES)).rows, 0);
  t.equal(row.hostname, 'café-tablet');
});

t.test('parser skips row without mac', async (t) => {
  const [row] = parseZeekDhcpLog(readFixture(EDGE_CASES)).skipped;
  t.equal(row?.line, 10);
  t.equal(row?.reason, 'missing mac');
});

t.test('parser skips row without ts', async (t) => {
  const row = parseZeekDhcpLog(readFixture(EDGE_CASES)).skipped[1];
  t.equal(row?.line, 11);
  t.equal(row?.reason, 'missing ts');
});

t.test('parser reads escaped unset marker', async (t) => {
  const row = rowAt(parseZeekDhcpLog(readFixture(EDGE_CASES)).rows, 1);
  t.equal(row.line, 12);
  t.equal(row.hostname, '-', '\\x2d is a host name "-", not the unset marker');
  t.equal(row.ts, 1710324120250000n);
});

t.test('parser reads unset and empty fields', async (t) => {
  const rows = parseZeekDhcpLog(readFixture(EDGE_CASES)).rows;
  const emptyTypes = rowAt(rows, 1);
  t.same(emptyTypes.messageTypes, [], '(empty) msg_types is no message type');
  t.equal(emptyTypes.ip, null, 'unset assigned_addr');
  t.equal(emptyTypes.leaseSeconds, null, 'unset lease_time');
  const release = rowAt(rows, 2);
  t.equal(release.line, 13);
  t.equal(release.hostname, null, '(empty) host_name');
  t.same(release.messageTypes, ['RELEASE']);
});

t.test('parser skips short row', async (t) => {
  const row = parseZeekDhcpLog(readFixture(EDGE_CASES)).skipped[2];
  t.equal(row?.line, 14);
  t.equal(row?.reason, 'expected 15 fields as named by #fields on line 7, found 6');
});

t.test('parser joins problems of a row', async (t) => {
  const row = parseZeekDhcpLog(readFixture(EDGE_CASES)).skipped[3];
  t.equal(row?.line, 15);
  t.equal(
    row?.reason,
    'invalid ts "1710324300,5", expected epoch seconds such as 1370200442.323173; ' +
      'invalid lease_time "forever", expected seconds such as 900.000000',
  );
});

t.test('parser follows a second header', async (t) => {
  const row = rowAt(parseZeekDhcpLog(readFixture(EDGE_CASES)).rows, 3);
  t.equal(row.line, 25);
  t.equal(row.ts, 1710327600500000n);
  t.equal(row.mac, '02:00:00:00:00:02');
  t.equal(row.ip, '192.0.2.11');
  t.same(row.messageTypes, ['REQUEST', 'ACK'], 'set separator | from the second header');
  t.equal(row.leaseSeconds, null, 'no lease_time column');
  t.equal(row.hostname, 'printer', 'spaces are trimmed');
});

t.test('parser returns duplicate rows', async (t) => {
  const rows = parseZeekDhcpLog(readFixture(EDGE_CASES)).rows;
  const first = rowAt(rows, 3);
  const repeat = rowAt(rows, 4);
  t.equal(repeat.line, 26);
  t.same({ ...repeat, line: first.line }, first);
});

t.test('parser skips invalid assigned address', async (t) => {
  const row = parseZeekDhcpLog(readFixture(EDGE_CASES)).skipped[4];
  t.equal(row?.line, 27);
  t.equal(row?.reason, 'invalid assigned_addr "192.0.2.300x"');
});

t.test('parser reads last row without newline', async (t) => {
  const text = readFixture(EDGE_CASES);
  t.notOk(text.endsWith('\n'), 'the fixture tests the missing newline');
  const { skipped } = parseZeekDhcpLog(text);
  t.equal(skipped.at(-1)?.line, 27);
});

t.test('parser skips text without fields', async (t) => {
  const { rows, skipped } = parseZeekDhcpLog('1370200442.323173\t90:b1:1c:99:49:29\n');
  t.equal(rows.length, 0);
  t.same(skipped, [{ line: 1, reason: MISSING_FIELDS }]);
});

t.test('parser skips JSON log', async (t) => {
  const json = '{"ts":1370200442.323173,"mac":"90:b1:1c:99:49:29"}\n';
  const { rows, skipped } = parseZeekDhcpLog(json);
  t.equal(rows.length, 0);
  t.same(skipped, [{ line: 1, reason: MISSING_FIELDS }]);
});

t.test('parser skips empty text', async (t) => {
  t.same(parseZeekDhcpLog(''), { rows: [], skipped: [{ line: 1, reason: MISSING_FIELDS }] });
});

t.test('parser skips row before fields', async (t) => {
  const text = zeekLog(
    ['1710324000.000000', '02:00:00:00:00:01'],
    ['#fields', 'ts', 'mac'],
    ['1710324000.000000', '02:00:00:00:00:01'],
  );
  const { rows, skipped } = parseZeekDhcpLog(text);
  t.same(skipped, [{ line: 1, reason: 'row before the first #fields header' }]);
  t.equal(rows.length, 1);
  t.equal(rowAt(rows, 0).line, 3);
});

t.test('parser skips rows without mac column', async (t) => {
  const text = zeekLog(['#fields', 'ts', 'assigned_addr'], ['1710324000.000000', '192.0.2.10']);
  const { rows, skipped } = parseZeekDhcpLog(text);
  t.equal(rows.length, 0);
  t.same(skipped, [{ line: 2, reason: 'missing mac, because #fields on line 1 has no mac' }]);
});

t.test('parser reads custom unset marker', async (t) => {
  const text = zeekLog(
    ['#unset_field', 'NULL'],
    ['#empty_field', 'EMPTY'],
    ['#fields', 'ts', 'mac', 'assigned_addr', 'host_name', 'msg_types'],
    ['1710324000', '02:00:00:00:00:01', 'NULL', '-', 'EMPTY'],
  );
  const row = rowAt(parseZeekDhcpLog(text).rows, 0);
  t.equal(row.ts, 1710324000000000n, 'ts without decimals');
  t.equal(row.ip, null);
  t.equal(row.hostname, '-', 'with NULL as the marker, - is a value');
  t.same(row.messageTypes, []);
});

t.test('parser reads CRLF line endings', async (t) => {
  const text = ['#fields\tts\tmac', '1710324000.000000\t02:00:00:00:00:01', ''].join('\r\n');
  const { rows, skipped } = parseZeekDhcpLog(text);
  t.equal(skipped.length, 0);
  t.equal(rowAt(rows, 0).mac, '02:00:00:00:00:01');
});

t.test('parser skips invalid mac', async (t) => {
  const text = zeekLog(['#fields', 'ts', 'mac'], ['1710324000.000000', 'Internet']);
  const [row] = parseZeekDhcpLog(text).skipped;
  t.equal(row?.line, 2);
  t.equal(row?.reason, 'invalid mac "Internet"');
});
