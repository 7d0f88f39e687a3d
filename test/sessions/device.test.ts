import t from 'tap';
import { canonicalMac, INTERNET, invalidIpReason } from '../../src/sessions/device.js';

const CANONICAL = 'AA:BB:CC:DD:EE:FF';

t.test('MAC spellings become canonical', async (t) => {
  const spellings = [
    'AA:BB:CC:DD:EE:FF',
    'aa:bb:cc:dd:ee:ff',
    'Aa:bB:cc:DD:ee:Ff',
    'AA-BB-CC-DD-EE-FF',
    'aa-bb-cc-dd-ee-ff',
    'aabb.ccdd.eeff',
    'AABB.CCDD.EEFF',
    'aabbccddeeff',
    'AABBCCDDEEFF',
  ];
  for (const text of spellings) t.equal(canonicalMac(text), CANONICAL, text);
});

t.test('MAC digits keep their order', async (t) => {
  t.equal(canonicalMac('01-23-45-67-89-ab'), '01:23:45:67:89:AB');
  t.equal(canonicalMac('0123.4567.89ab'), '01:23:45:67:89:AB');
  t.equal(canonicalMac('0123456789ab'), '01:23:45:67:89:AB');
});

t.test('Internet in any case', async (t) => {
  for (const text of ['Internet', 'internet', 'INTERNET', 'iNtErNeT']) {
    t.equal(canonicalMac(text), INTERNET, text);
  }
  t.equal(INTERNET, 'Internet');
});

t.test('MAC with mixed separators rejected', async (t) => {
  const texts = [
    'aa:bb-cc:dd:ee:ff',
    'aa-bb-cc-dd-ee:ff',
    'aabb.ccdd-eeff',
    'aabb.ccdd:eeff',
    'aa:bb:cc:dd:eeff',
    'aa.bb.cc.dd.ee.ff',
    'aa bb cc dd ee ff',
  ];
  for (const text of texts) t.equal(canonicalMac(text), null, text);
});

t.test('MAC with wrong digit count rejected', async (t) => {
  const texts = [
    'aabbccddeef',
    'aabbccddeeff0',
    'aa:bb:cc:dd:ee:f',
    'aa:bb:cc:dd:ee:ff:0',
    'aabb.ccdd.eef',
    'aabb.ccdd.eeff0',
  ];
  for (const text of texts) t.equal(canonicalMac(text), null, text);
});

t.test('MAC with non-hex digits rejected', async (t) => {
  for (const text of ['gg:bb:cc:dd:ee:ff', 'aabbccddeefg', 'aabb.ccdd.eefz']) {
    t.equal(canonicalMac(text), null, text);
  }
});

t.test('blank MAC and words rejected', async (t) => {
  for (const text of ['', ' ', '   ', '\t', 'Internets', 'the internet', 'wan']) {
    t.equal(canonicalMac(text), null, JSON.stringify(text));
  }
});

t.test('IPv4 and IPv6 accepted', async (t) => {
  const addresses = [
    '192.168.1.10', '0.0.0.0', '255.255.255.255', '10.0.0.5',
    '2001:db8::1', '2001:DB8::1', '::1', '::', 'fe80::1', '::ffff:192.0.2.1',
  ];
  for (const text of addresses) t.equal(invalidIpReason(text), null, text);
});

t.test('invalid IP rejected', async (t) => {
  const texts = ['999.1.1.1', '256.0.0.1', '1.2.3', '1.2.3.4.5', 'not-an-ip', '2001:db8:::1'];
  for (const text of texts) {
    t.equal(invalidIpReason(text), 'expected an IPv4 or IPv6 address', text);
  }
});

t.test('empty IP rejected', async (t) => {
  t.equal(invalidIpReason(''), 'expected an IPv4 or IPv6 address');
});

t.test('IPv4 leading zeros rejected', async (t) => {
  for (const text of ['010.0.0.1', '192.168.01.1', '192.168.1.010']) {
    t.equal(invalidIpReason(text), 'expected an IPv4 or IPv6 address', text);
  }
});

t.test('IP network rejected', async (t) => {
  for (const text of ['10.0.0.5/24', '10.0.0.0/8', '2001:db8::/32']) {
    t.equal(invalidIpReason(text), 'expected one address, not a network', text);
  }
});

t.test('IPv6 zone id rejected', async (t) => {
  for (const text of ['fe80::1%eth0', 'fe80::1%1']) {
    t.equal(invalidIpReason(text), 'IPv6 zone ids are not accepted', text);
  }
});
