import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parseDhcpdLeases, type DhcpdLease } from '../../src/import/dhcpd.js';

function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

function iso(micros: bigint | null): string | null {
  return micros === null ? null : new Date(Number(micros / 1000n)).toISOString();
}

function leaseAt(leases: DhcpdLease[], index: number): DhcpdLease {
  const lease = leases[index];
  if (!lease) throw new Error(`no lease at index ${index}, found ${leases.length}`);
  return lease;
}

/** Wraps lease statements in one `lease 10.0.0.5 { ... }` block on line 1. */
function leaseBlock(...statements: string[]): string {
  return ['lease 10.0.0.5 {', ...statements.map((s) => `  ${s}`), '}', ''].join('\n');
}

const DEBIAN7 = 'isc-dhcp-leases_debian7.leases';
const PFSENSE = 'isc-dhcp-leases_pfsense.leases';
const EDGE_CASES = 'dhcpd-edge-cases.leases';
const NETDATA_PATH = '/work/shared/data/real/netdata-go.d_isc_dhcpd4.leases';
const VALID_TIMES = ['starts 2 2013/12/10 12:00:00;', 'ends 2 2013/12/10 13:00:00;'];
const VALID_MAC = 'hardware ethernet 02:00:00:00:00:01;';

t.test('debian7 fixture lease counts', async (t) => {
  const { leases, skipped } = parseDhcpdLeases(readFixture(DEBIAN7));
  t.equal(leases.length, 5);
  t.equal(skipped.length, 1);
});

t.test('debian7 fixture keeps file order', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(DEBIAN7));
  const ips = leases.map((lease) => lease.ip);
  t.same(ips, ['10.0.0.10', '10.0.0.15', '10.0.0.18', '10.0.0.21', '10.0.0.16']);
  t.same(
    leases.map((lease) => lease.line),
    [4, 14, 23, 32, 41],
  );
});

t.test('debian7 fixture first lease values', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(DEBIAN7));
  const lease = leaseAt(leases, 0);
  t.equal(lease.line, 4);
  t.equal(lease.ip, '10.0.0.10');
  t.equal(lease.mac, '60:a4:4c:b5:6a:dd');
  t.equal(lease.starts, 1_386_680_224_000_000n);
  t.equal(iso(lease.starts), '2013-12-10T12:57:04.000Z');
  t.equal(lease.ends, 1_386_680_824_000_000n);
  t.equal(iso(lease.ends), '2013-12-10T13:07:04.000Z');
  t.equal(lease.bindingState, 'free');
  t.equal(lease.hostname, null);
});

t.test('debian7 fixture instants per lease', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(DEBIAN7));
  const expected = [
    ['2013-12-10T12:57:04.000Z', '2013-12-10T13:07:04.000Z'],
    ['2014-01-23T13:40:45.000Z', '2014-01-23T13:50:45.000Z'],
    ['2014-10-07T13:13:14.000Z', '2014-10-07T15:13:14.000Z'],
    ['2015-01-12T10:29:26.000Z', '2015-01-12T10:39:26.000Z'],
    ['2015-03-18T09:21:44.000Z', '2015-03-18T09:31:44.000Z'],
  ];
  expected.forEach(([starts, ends], index) => {
    const lease = leaseAt(leases, index);
    t.equal(iso(lease.starts), starts, `starts of ${lease.ip}`);
    t.equal(iso(lease.ends), ends, `ends of ${lease.ip}`);
    t.equal(lease.starts % 1_000_000n, 0n, `starts of ${lease.ip} is whole seconds`);
  });
  t.equal(leaseAt(leases, 4).mac, '6c:71:d9:21:55:71');
});

t.test('debian7 fixture skips abandoned lease', async (t) => {
  const { leases, skipped } = parseDhcpdLeases(readFixture(DEBIAN7));
  const [abandoned] = skipped;
  t.equal(abandoned?.line, 50);
  t.equal(
    abandoned?.reason,
    'lease 10.0.0.17: missing hardware ethernet; ' +
      'ends 2008/01/08 18:09:46 is not after starts 2008/01/08 18:09:46',
  );
  t.notOk(leases.some((lease) => lease.ip === '10.0.0.17'));
});

t.test('pfsense fixture active leases', async (t) => {
  const { leases, skipped } = parseDhcpdLeases(readFixture(PFSENSE));
  t.equal(leases.length, 2);
  t.equal(skipped.length, 0);
  const first = leaseAt(leases, 0);
  t.equal(first.line, 4);
  t.equal(first.ip, '10.0.10.72');
  t.equal(first.mac, '64:5a:04:6a:07:a2');
  t.equal(iso(first.starts), '2015-07-06T07:50:42.000Z');
  t.equal(iso(first.ends), '2015-07-06T08:20:42.000Z');
  t.equal(first.bindingState, 'active');
  t.equal(first.hostname, 'Satellite-C700');
  const second = leaseAt(leases, 1);
  t.equal(second.line, 15);
  t.equal(second.ip, '10.0.0.36');
  t.equal(second.mac, '14:da:e9:04:c8:a3');
  t.equal(iso(second.starts), '2015-07-06T07:38:46.000Z');
  t.equal(iso(second.ends), '2015-07-06T08:38:46.000Z');
  t.equal(second.bindingState, 'active');
  t.equal(second.hostname, 'Gebruiker-PC');
});

t.test('edge cases fixture counts', async (t) => {
  const { leases, skipped } = parseDhcpdLeases(readFixture(EDGE_CASES));
  t.equal(leases.length, 4);
  t.equal(skipped.length, 3);
  t.same(
    leases.map((lease) => lease.line),
    [26, 38, 60, 70],
  );
  t.same(
    skipped.map((row) => row.line),
    [48, 54, 80],
  );
});

t.test('parser ignores non-lease declarations', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(EDGE_CASES));
  const macs = leases.map((lease) => lease.mac);
  t.notOk(macs.includes('02:00:00:00:00:99'), 'host block is not a lease');
  t.notOk(macs.includes('02:00:00:00:00:98'), 'host inside group is not a lease');
  t.notOk(
    leases.some((lease) => lease.ip === '192.0.2.66'),
    'lease text inside a string is not a lease',
  );
});

t.test('parser reads lease after string', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(EDGE_CASES));
  const lease = leaseAt(leases, 0);
  t.equal(lease.ip, '192.0.2.10');
  t.equal(lease.mac, '02:00:00:00:00:01');
  t.equal(iso(lease.starts), '2024-03-13T08:00:00.000Z');
  t.equal(iso(lease.ends), '2024-03-13T09:00:00.000Z');
  t.equal(lease.bindingState, 'active');
  t.equal(lease.hostname, 'lab-pc-1');
});

t.test('parser reads epoch times', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(EDGE_CASES));
  const lease = leaseAt(leases, 1);
  t.equal(lease.line, 38);
  t.equal(lease.ip, '192.0.2.11');
  t.equal(lease.starts, 1_710_320_400_000_000n);
  t.equal(iso(lease.starts), '2024-03-13T09:00:00.000Z');
  t.equal(lease.ends, 1_710_324_000_000_000n);
  t.equal(iso(lease.ends), '2024-03-13T10:00:00.000Z');
  t.equal(lease.bindingState, 'active');
});

t.test('parser decodes octal escaped hostname', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(EDGE_CASES));
  t.equal(leaseAt(leases, 1).hostname, 'café-tablet');
});

t.test('parser skips ends before starts', async (t) => {
  const { skipped } = parseDhcpdLeases(readFixture(EDGE_CASES));
  const [row] = skipped;
  t.equal(row?.line, 48);
  t.equal(
    row?.reason,
    'lease 192.0.2.12: ends 2024/03/13 00:30:00 is not after starts 2024/03/13 23:30:00',
  );
});

t.test('parser skips lease without hardware', async (t) => {
  const { skipped } = parseDhcpdLeases(readFixture(EDGE_CASES));
  const row = skipped[1];
  t.equal(row?.line, 54);
  t.equal(row?.reason, 'lease 192.0.2.13: missing hardware ethernet');
});

t.test('parser reads ends never', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(EDGE_CASES));
  const lease = leaseAt(leases, 2);
  t.equal(lease.line, 60);
  t.equal(lease.ip, '192.0.2.14');
  t.equal(iso(lease.starts), '2024-03-13T11:00:00.000Z');
  t.equal(lease.ends, null);
  t.equal(lease.mac, '02:00:00:00:00:04', 'extra spaces around the MAC are trimmed');
  t.equal(lease.hostname, 'printer "east" wing');
  t.equal(lease.bindingState, 'active');
});

t.test('parser keeps renewed lease twice', async (t) => {
  const { leases } = parseDhcpdLeases(readFixture(EDGE_CASES));
  const renewals = leases.filter((lease) => lease.ip === '192.0.2.10');
  t.equal(renewals.length, 2);
  const [first, second] = renewals;
  t.equal(first?.line, 26);
  t.equal(second?.line, 70);
  t.equal(first?.mac, second?.mac);
  t.equal(iso(second?.starts ?? null), '2024-03-13T08:30:00.000Z');
  t.equal(iso(second?.ends ?? null), '2024-03-13T09:30:00.000Z');
});

t.test('parser skips unterminated last lease', async (t) => {
  const { skipped } = parseDhcpdLeases(readFixture(EDGE_CASES));
  const row = skipped[2];
  t.equal(row?.line, 80);
  t.equal(
    row?.reason,
    'lease 192.0.2.15: block is not closed before the end of the file',
  );
});

t.test(
  'netdata leases file parses',
  { skip: existsSync(NETDATA_PATH) ? false : `${NETDATA_PATH} not found` },
  async (t) => {
    const { leases, skipped } = parseDhcpdLeases(readFileSync(NETDATA_PATH, 'utf8'));
    t.equal(leases.length, 3);
    t.equal(skipped.length, 1);
    const epochLease = leaseAt(leases, 2);
    t.equal(epochLease.ip, '10.220.252.4');
    t.equal(epochLease.mac, 'aa:aa:aa:aa:aa:aa');
    t.equal(iso(epochLease.starts), '2020-09-15T02:32:20.000Z');
    t.equal(iso(epochLease.ends), '2020-09-15T02:33:20.000Z');
    t.equal(epochLease.bindingState, 'active');
    t.equal(iso(leaseAt(leases, 0).starts), '2020-09-15T07:32:16.000Z');
    t.equal(leaseAt(leases, 1).bindingState, 'free');
    const [wrapped] = skipped;
    t.equal(wrapped?.line, 28);
    t.equal(
      wrapped?.reason,
      'lease 10.220.252.5: ends 2020/09/15 01:33:19 ' +
        'is not after starts 2020/09/15 23:53:19',
    );
  },
);

t.test('parser skips lease without starts', async (t) => {
  const text = leaseBlock('ends 2 2013/12/10 13:00:00;', VALID_MAC);
  const { leases, skipped } = parseDhcpdLeases(text);
  t.equal(leases.length, 0);
  t.same(skipped, [{ line: 1, reason: 'lease 10.0.0.5: missing starts' }]);
});

t.test('parser skips lease without ends', async (t) => {
  const text = leaseBlock('starts 2 2013/12/10 12:00:00;', VALID_MAC);
  const { skipped } = parseDhcpdLeases(text);
  t.same(skipped, [{ line: 1, reason: 'lease 10.0.0.5: missing ends' }]);
});

t.test('parser skips start equal end', async (t) => {
  const text = leaseBlock(
    'starts 2 2013/12/10 12:00:00;',
    'ends 2 2013/12/10 12:00:00;',
    VALID_MAC,
  );
  const { skipped } = parseDhcpdLeases(text);
  t.equal(
    skipped[0]?.reason,
    'lease 10.0.0.5: ends 2013/12/10 12:00:00 is not after starts 2013/12/10 12:00:00',
  );
});

t.test('parser rejects impossible calendar dates', async (t) => {
  const cases = [
    '2 2013/02/30 12:00:00',
    '2 2013/13/10 12:00:00',
    '2 2013/12/10 24:00:00',
    '2 2013/12/10 12:60:00',
    '2 2013/12/10 12:00:60',
    '2 0099/12/10 12:00:00',
    '7 2013/12/10 12:00:00',
    '2013/12/10 12:00:00',
    'epoch -5',
    'epoch',
    'yesterday',
  ];
  for (const written of cases) {
    const text = leaseBlock(`starts ${written};`, VALID_TIMES[1] as string, VALID_MAC);
    const { leases, skipped } = parseDhcpdLeases(text);
    t.equal(leases.length, 0, `starts ${written} is rejected`);
    t.equal(
      skipped[0]?.reason,
      `lease 10.0.0.5: invalid starts "${written}", ` +
        'expected "W YYYY/MM/DD HH:MM:SS" or "epoch N"',
      `reason for starts ${written}`,
    );
  }
});

t.test('parser skips starts never', async (t) => {
  const text = leaseBlock('starts never;', 'ends never;', VALID_MAC);
  const { skipped } = parseDhcpdLeases(text);
  t.equal(skipped[0]?.reason, 'lease 10.0.0.5: starts never is not a start time');
});

t.test('parser lists every lease problem', async (t) => {
  const text = leaseBlock('starts 2 2013/12/10 12:00:00;', 'binding state free;');
  const { skipped } = parseDhcpdLeases(text);
  t.equal(skipped[0]?.reason, 'lease 10.0.0.5: missing hardware ethernet; missing ends');
});

t.test('parser skips non-ethernet hardware', async (t) => {
  const text = leaseBlock(...VALID_TIMES, 'hardware token-ring 02:00:00:00:00:01;');
  const { skipped } = parseDhcpdLeases(text);
  t.equal(
    skipped[0]?.reason,
    'lease 10.0.0.5: hardware token-ring 02:00:00:00:00:01 is not an ethernet address',
  );
});

t.test('parser skips hardware without address', async (t) => {
  const text = leaseBlock(...VALID_TIMES, 'hardware ethernet;');
  const { skipped } = parseDhcpdLeases(text);
  t.equal(
    skipped[0]?.reason,
    'lease 10.0.0.5: invalid hardware ethernet, expected "hardware ethernet MAC"',
  );
});

t.test('parser keeps MAC as written', async (t) => {
  const text = leaseBlock(...VALID_TIMES, 'hardware ethernet 2:0:0:AB:0:1;');
  const { leases } = parseDhcpdLeases(text);
  t.equal(leaseAt(leases, 0).mac, '2:0:0:AB:0:1');
});

t.test('parser skips lease without address', async (t) => {
  const text = 'lease {\n  starts 2 2013/12/10 12:00:00;\n}\n';
  const { leases, skipped } = parseDhcpdLeases(text);
  t.equal(leases.length, 0);
  t.same(skipped, [
    { line: 1, reason: 'invalid lease header "lease", expected "lease ADDRESS {"' },
  ]);
});

t.test('parser recovers from cut-off lease', async (t) => {
  const text = [
    'lease 10.0.0.4 {',
    '  starts 2 2013/12/10 12:00:00;',
    'lease 10.0.0.5 {',
    ...VALID_TIMES,
    VALID_MAC,
    '}',
  ].join('\n');
  const { leases, skipped } = parseDhcpdLeases(text);
  t.same(skipped, [
    {
      line: 1,
      reason: 'lease 10.0.0.4: block is not closed before the next lease at line 3',
    },
  ]);
  t.equal(leases.length, 1);
  t.equal(leaseAt(leases, 0).ip, '10.0.0.5');
  t.equal(leaseAt(leases, 0).line, 3);
});

t.test('parser recovers from cut-off host', async (t) => {
  const text = ['host printer {', '  dynamic;', leaseBlock(...VALID_TIMES, VALID_MAC)];
  const { leases, skipped } = parseDhcpdLeases(text.join('\n'));
  t.equal(skipped.length, 0);
  t.equal(leases.length, 1);
  t.equal(leaseAt(leases, 0).line, 3);
});

t.test('parser skips unterminated string', async (t) => {
  const text = leaseBlock(...VALID_TIMES, VALID_MAC, 'client-hostname "open;');
  const { leases, skipped } = parseDhcpdLeases(text);
  t.equal(leases.length, 0);
  t.same(skipped, [
    { line: 1, reason: 'lease 10.0.0.5: block is not closed before the end of the file' },
  ]);
});

t.test('parser ignores binding state variants', async (t) => {
  const text = leaseBlock(
    ...VALID_TIMES,
    VALID_MAC,
    'next binding state free;',
    'binding state active;',
    'rewind binding state expired;',
  );
  const { leases } = parseDhcpdLeases(text);
  t.equal(leaseAt(leases, 0).bindingState, 'active');
});

t.test('parser returns null binding state', async (t) => {
  const text = leaseBlock(...VALID_TIMES, VALID_MAC, 'next binding state free;');
  const { leases } = parseDhcpdLeases(text);
  t.equal(leaseAt(leases, 0).bindingState, null);
  t.equal(leaseAt(leases, 0).hostname, null);
});

t.test('parser decodes string escapes', async (t) => {
  const text = leaseBlock(
    ...VALID_TIMES,
    VALID_MAC,
    String.raw`client-hostname "a\tb\x41\\c\"d";`,
  );
  const { leases } = parseDhcpdLeases(text);
  t.equal(leaseAt(leases, 0).hostname, 'a\tbA\\c"d');
});

t.test('parser adds date time offset', async (t) => {
  // ISC DHCP reads an optional offset in seconds after the time and adds it.
  const text = leaseBlock(
    'starts 2 2013/12/10 12:00:00 -3600;',
    'ends 2 2013/12/10 12:00:00 60;',
    VALID_MAC,
  );
  const { leases, skipped } = parseDhcpdLeases(text);
  t.equal(skipped.length, 0);
  t.equal(iso(leaseAt(leases, 0).starts), '2013-12-10T11:00:00.000Z');
  t.equal(iso(leaseAt(leases, 0).ends), '2013-12-10T12:01:00.000Z');
});

t.test('parser counts lines with CRLF', async (t) => {
  const text = ['# comment', '', leaseBlock(...VALID_TIMES, VALID_MAC)].join('\r\n');
  const { leases } = parseDhcpdLeases(text.replace(/(?<!\r)\n/g, '\r\n'));
  t.equal(leaseAt(leases, 0).line, 3);
  t.equal(leaseAt(leases, 0).mac, '02:00:00:00:00:01');
});

t.test('parser ignores stray closing brace', async (t) => {
  const text = `}\n${leaseBlock(...VALID_TIMES, VALID_MAC)}`;
  const { leases, skipped } = parseDhcpdLeases(text);
  t.equal(leases.length, 1);
  t.equal(skipped.length, 0);
  t.equal(leaseAt(leases, 0).line, 2);
});

t.test('parser accepts empty text', async (t) => {
  t.same(parseDhcpdLeases(''), { leases: [], skipped: [] });
});
