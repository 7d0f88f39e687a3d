import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseDnsmasqLeases, type DnsmasqLease } from '../../src/import/dnsmasq.js';

function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

function iso(micros: bigint | null): string | null {
  return micros === null ? null : new Date(Number(micros / 1000n)).toISOString();
}

function leaseAt(leases: DnsmasqLease[], index: number): DnsmasqLease {
  const lease = leases[index];
  if (!lease) throw new Error(`no lease at index ${index}, found ${leases.length}`);
  return lease;
}

const EXPORTER = 'dnsmasq-exporter_dnsmasq.leases';
const EDGE_CASES = 'dnsmasq-edge-cases.leases';

t.test('exporter fixture lease counts', async (t) => {
  const { leases, skipped } = parseDnsmasqLeases(readFixture(EXPORTER));
  t.equal(leases.length, 2);
  t.equal(skipped.length, 0);
});

t.test('exporter fixture lacks final newline', async (t) => {
  t.notOk(readFixture(EXPORTER).endsWith('\n'), 'the fixture tests the missing newline');
});

t.test('exporter fixture first lease', async (t) => {
  const lease = leaseAt(parseDnsmasqLeases(readFixture(EXPORTER)).leases, 0);
  t.equal(lease.line, 1);
  t.equal(lease.mac, '00:00:00:00:00:00');
  t.equal(lease.ip, '10.10.10.10');
  t.equal(lease.expires, 1_625_595_932_000_000n);
  t.equal(iso(lease.expires), '2021-07-06T18:25:32.000Z');
  t.equal(lease.hostname, 'host-1');
});

t.test('exporter fixture infinite lease', async (t) => {
  const lease = leaseAt(parseDnsmasqLeases(readFixture(EXPORTER)).leases, 1);
  t.equal(lease.line, 2);
  t.equal(lease.mac, '00:00:00:00:00:01');
  t.equal(lease.ip, '10.10.10.11');
  t.equal(lease.expires, null, 'expiry 0 is an infinite lease');
  t.equal(lease.hostname, 'host-2');
});

t.test('edge cases fixture counts', async (t) => {
  const { leases, skipped } = parseDnsmasqLeases(readFixture(EDGE_CASES));
  t.equal(leases.length, 5);
  t.equal(skipped.length, 6);
  t.same(
    leases.map((lease) => lease.line),
    [4, 5, 6, 12, 13],
  );
  t.same(
    skipped.map((row) => row.line),
    [8, 9, 10, 11, 15, 16],
  );
});

t.test('parser reads lease with client ID', async (t) => {
  const lease = leaseAt(parseDnsmasqLeases(readFixture(EDGE_CASES)).leases, 0);
  t.equal(lease.line, 4);
  t.equal(lease.mac, '02:00:00:00:00:01');
  t.equal(lease.ip, '192.0.2.10');
  t.equal(lease.expires, 1_710_324_000_000_000n);
  t.equal(iso(lease.expires), '2024-03-13T10:00:00.000Z');
  t.equal(lease.hostname, 'lab-pc-1');
});

t.test('parser reads star as none', async (t) => {
  const lease = leaseAt(parseDnsmasqLeases(readFixture(EDGE_CASES)).leases, 1);
  t.equal(lease.line, 5);
  t.equal(lease.mac, '02:00:00:00:00:02');
  t.equal(lease.expires, null);
  t.equal(lease.hostname, null);
});

t.test('parser trims spaces and tabs', async (t) => {
  const lease = leaseAt(parseDnsmasqLeases(readFixture(EDGE_CASES)).leases, 2);
  t.equal(lease.line, 6);
  t.equal(lease.mac, '02:00:00:00:00:03');
  t.equal(lease.ip, '192.0.2.12');
  t.equal(iso(lease.expires), '2024-03-13T11:00:00.000Z');
  t.equal(lease.hostname, 'printer');
});

t.test('parser keeps MAC as written', async (t) => {
  const lease = leaseAt(parseDnsmasqLeases(readFixture(EDGE_CASES)).leases, 3);
  t.equal(lease.line, 12);
  t.equal(lease.mac, '02-00-00-00-00-0A');
  t.equal(lease.hostname, 'UPPER-CASE');
});

t.test('parser returns duplicate lines', async (t) => {
  const { leases } = parseDnsmasqLeases(readFixture(EDGE_CASES));
  const first = leaseAt(leases, 0);
  const repeat = leaseAt(leases, 4);
  t.equal(repeat.line, 13);
  t.same({ ...repeat, line: first.line }, first);
});

t.test('parser skips non-Ethernet address', async (t) => {
  const [row] = parseDnsmasqLeases(readFixture(EDGE_CASES)).skipped;
  t.equal(row?.line, 8);
  t.equal(
    row?.reason,
    'hardware address "20-80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c" ' +
      'is not an Ethernet MAC',
  );
});

t.test('parser skips wrong field count', async (t) => {
  const row = parseDnsmasqLeases(readFixture(EDGE_CASES)).skipped[1];
  t.equal(row?.line, 9);
  t.equal(row?.reason, 'expected 5 fields (expiry mac ip hostname client-id), found 4');
});

t.test('parser skips invalid expiry', async (t) => {
  const row = parseDnsmasqLeases(readFixture(EDGE_CASES)).skipped[2];
  t.equal(row?.line, 10);
  t.equal(row?.reason, 'invalid expiry "soon", expected epoch seconds or 0');
});

t.test('parser skips invalid IP address', async (t) => {
  const row = parseDnsmasqLeases(readFixture(EDGE_CASES)).skipped[3];
  t.equal(row?.line, 11);
  t.equal(row?.reason, 'invalid IP address "192.0.2.999x"');
});

t.test('parser skips DHCPv6 IAID leases', async (t) => {
  const { leases, skipped } = parseDnsmasqLeases(readFixture(EDGE_CASES));
  t.equal(skipped[4]?.line, 15);
  t.equal(
    skipped[4]?.reason,
    'DHCPv6 lease 2001:db8::10 has IAID "305419896" in place of a MAC',
  );
  t.equal(skipped[5]?.line, 16);
  t.equal(
    skipped[5]?.reason,
    'DHCPv6 lease 2001:db8::11 has IAID "T305419897" in place of a MAC',
  );
  t.notOk(leases.some((lease) => lease.ip.includes(':')));
});

t.test('parser ignores duid line', async (t) => {
  const { skipped } = parseDnsmasqLeases(readFixture(EDGE_CASES));
  t.notOk(skipped.some((row) => row.line === 14));
});

t.test('parser ignores comments and blanks', async (t) => {
  const { skipped } = parseDnsmasqLeases(readFixture(EDGE_CASES));
  const ignored = [1, 2, 3, 7];
  t.notOk(skipped.some((row) => ignored.includes(row.line)));
});

t.test('parser keeps IPv6 lease with MAC', async (t) => {
  const text = 'duid 00:01:00:01\n1710324000 02:00:00:00:00:0b 2001:db8::12 phone *\n';
  const { leases, skipped } = parseDnsmasqLeases(text);
  t.equal(skipped.length, 0);
  t.equal(leaseAt(leases, 0).line, 2);
  t.equal(leaseAt(leases, 0).ip, '2001:db8::12');
  t.equal(leaseAt(leases, 0).mac, '02:00:00:00:00:0b');
});

t.test('parser reads CRLF line endings', async (t) => {
  const text = '0 02:00:00:00:00:01 192.0.2.10 a *\r\n0 02:00:00:00:00:02 192.0.2.11 b *\r\n';
  const { leases, skipped } = parseDnsmasqLeases(text);
  t.equal(skipped.length, 0);
  t.same(
    leases.map((lease) => lease.hostname),
    ['a', 'b'],
  );
});

t.test('parser reads last line without newline', async (t) => {
  const { leases } = parseDnsmasqLeases('\n\n0 02:00:00:00:00:01 192.0.2.10 a *');
  t.equal(leases.length, 1);
  t.equal(leaseAt(leases, 0).line, 3);
});

t.test('parser joins problems of a line', async (t) => {
  const [row] = parseDnsmasqLeases('later 02:00 192.0.2 host *').skipped;
  t.equal(row?.line, 1);
  t.equal(
    row?.reason,
    'invalid MAC "02:00"; invalid IP address "192.0.2"; ' +
      'invalid expiry "later", expected epoch seconds or 0',
  );
});

t.test('parser returns nothing for empty text', async (t) => {
  const { leases, skipped } = parseDnsmasqLeases('');
  t.equal(leases.length, 0);
  t.equal(skipped.length, 0);
});
