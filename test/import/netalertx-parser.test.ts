import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parseNetAlertXWebhook, type NetAlertXEvent } from '../../src/import/netalertx.js';

function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
}

function eventAt(events: NetAlertXEvent[], index: number): NetAlertXEvent {
  const event = events[index];
  if (!event) throw new Error(`no event at index ${index}, found ${events.length}`);
  return event;
}

/** Wraps a notification object in a webhook body as the publisher sends it. */
function webhookBody(text: unknown): unknown {
  return { username: 'NetAlertX', attachments: [{ title: 'NetAlertX Notifications', text }] };
}

/** Returns an `events` row with the `MAC` key set. An override of undefined deletes a key. */
function macRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    MAC: '02:00:00:00:00:01',
    Datetime: '2025-03-01 09:00:00',
    IP: '192.168.1.10',
    'Event Type': 'Connected',
    'Device name': 'lab-pc-1',
    Comments: null,
    ...overrides,
  };
}

// The upstream sample is GPL-3.0, so it is read where it lies and not copied.
const SAMPLE_PATH = '/work/shared/data/real/netalertx_webhook_json_sample.json';
const SYNTHETIC = 'netalertx-webhook-synthetic.json';
const PAYLOAD_HINT = 'expected a body that NetAlertX sends with WEBHOOK_PAYLOAD set to json';

t.test(
  'upstream sample device events',
  { skip: existsSync(SAMPLE_PATH) ? false : `${SAMPLE_PATH} not found` },
  async (t) => {
    const sample: unknown = JSON.parse(readFileSync(SAMPLE_PATH, 'utf8'));
    const { events, skipped } = parseNetAlertXWebhook(sample);
    t.equal(events.length, 4, '1 new device, 1 down reconnected, 2 events');
    t.equal(skipped.length, 0);
    t.same(
      events.map((event) => event.index),
      [0, 1, 2, 3],
    );
    const newDevice = eventAt(events, 0);
    t.equal(newDevice.mac, '00:1a:76:e3:26:4a');
    t.equal(newDevice.ip, '192.168.1.82');
    t.equal(newDevice.type, 'New Device');
    t.equal(newDevice.time, '2025-01-06 11:05:00+11:00');
    t.equal(newDevice.additionalInfo, '(unknown) TEST');
    const reconnected = eventAt(events, 1);
    t.equal(reconnected.mac, '74:ac:74:ac:74:ac');
    t.equal(reconnected.ip, '192.168.1.167');
    t.equal(reconnected.type, 'Down Reconnected');
    t.equal(reconnected.time, '2025-01-11 10:05:01+11:00');
    t.equal(reconnected.additionalInfo, 'Phone - Moto 82');
    const [, , first, second] = events;
    t.equal(first?.mac, '74:ac:74:ac:74:ac');
    t.equal(first?.ip, '192.168.1.92');
    t.equal(first?.type, 'Disconnected');
    t.equal(first?.time, '2023-01-30 22:15:09');
    t.equal(first?.additionalInfo, '(name not found)');
    t.equal(second?.mac, '74:ac:74:ac:74:ac');
    t.equal(second?.ip, '192.168.1.150');
    t.equal(second?.type, 'Disconnected');
    t.equal(second?.time, '2023-01-30 22:15:09');
    t.equal(second?.additionalInfo, '(name not found)');
    t.notOk(
      events.some((event) => event.ip === '192.168.1.114'),
      'the ARPSCAN plugin object is ignored',
    );
  },
);

t.test('synthetic fixture counts', async (t) => {
  const { events, skipped } = parseNetAlertXWebhook(readFixture(SYNTHETIC));
  t.equal(events.length, 9);
  t.equal(skipped.length, 3);
  t.same(
    events.map((event) => event.index),
    [0, 1, 2, 3, 4, 7, 8, 9, 10],
  );
  t.same(
    skipped.map((row) => row.index),
    [5, 6, 11],
  );
});

t.test('synthetic fixture new device', async (t) => {
  const event = eventAt(parseNetAlertXWebhook(readFixture(SYNTHETIC)).events, 0);
  t.equal(event.index, 0);
  t.equal(event.mac, '02:00:00:00:00:01');
  t.equal(event.ip, '192.168.1.10');
  t.equal(event.type, 'New Device');
  t.equal(event.time, '2025-03-01 09:00:00');
  t.equal(event.additionalInfo, 'lab-pc-1; desk 4');
});

t.test('parser trims and defaults new device', async (t) => {
  const event = eventAt(parseNetAlertXWebhook(readFixture(SYNTHETIC)).events, 1);
  t.equal(event.mac, '02:00:00:00:00:02');
  t.equal(event.time, '2025-03-01 09:05:00+01:00');
  t.equal(event.ip, null, 'an empty IP is none');
  t.equal(event.type, 'New Device', 'the array gives the missing type');
  t.equal(event.additionalInfo, '(unknown)', 'empty comments are left out');
});

t.test('parser defaults down device type', async (t) => {
  const event = eventAt(parseNetAlertXWebhook(readFixture(SYNTHETIC)).events, 2);
  t.equal(event.mac, '02:00:00:00:00:03');
  t.equal(event.ip, '192.168.1.30');
  t.equal(event.type, 'Device Down');
  t.equal(event.time, '2025-03-01 10:00:00');
  t.equal(event.additionalInfo, 'printer');
});

t.test('parser returns duplicate events', async (t) => {
  const { events } = parseNetAlertXWebhook(readFixture(SYNTHETIC));
  const first = eventAt(events, 3);
  const repeat = eventAt(events, 4);
  t.equal(first.type, 'Connected');
  t.equal(repeat.index, 4);
  t.same({ ...repeat, index: first.index }, first);
});

t.test('parser skips event without MAC', async (t) => {
  const [row] = parseNetAlertXWebhook(readFixture(SYNTHETIC)).skipped;
  t.equal(row?.index, 5);
  t.equal(row?.reason, 'request 1, row 3 of events: missing MAC');
});

t.test('parser skips event without type', async (t) => {
  const row = parseNetAlertXWebhook(readFixture(SYNTHETIC)).skipped[1];
  t.equal(row?.index, 6);
  t.equal(
    row?.reason,
    'request 1, row 4 of events: missing event type (Event Type or eve_EventType)',
  );
});

t.test('parser keeps Internet device', async (t) => {
  const parsed = parseNetAlertXWebhook(readFixture(SYNTHETIC));
  const row = parsed.events.find((event) => event.index === 7);
  t.equal(row?.mac, 'Internet');
  t.notOk(parsed.skipped.some((skipped) => skipped.index === 7), 'the row is not skipped');
});

t.test('parser reads eve keys in events', async (t) => {
  const event = eventAt(parseNetAlertXWebhook(readFixture(SYNTHETIC)).events, 6);
  t.equal(event.index, 8);
  t.equal(event.mac, '02:00:00:00:00:04');
  t.equal(event.ip, '192.168.1.40');
  t.equal(event.type, 'Disconnected');
  t.equal(event.time, '2025-03-01T12:00:00+01:00');
  t.equal(event.additionalInfo, 'phone');
});

t.test('parser reads down reconnected row', async (t) => {
  const event = eventAt(parseNetAlertXWebhook(readFixture(SYNTHETIC)).events, 7);
  t.equal(event.index, 9);
  t.equal(event.mac, '02:00:00:00:00:03');
  t.equal(event.ip, '192.168.1.31');
  t.equal(event.type, 'Down Reconnected');
  t.equal(event.time, '2025-03-01 13:00:00');
});

t.test('parser ignores plugins and unknown arrays', async (t) => {
  const { events } = parseNetAlertXWebhook(readFixture(SYNTHETIC));
  const macs = events.map((event) => event.mac);
  t.notOk(macs.includes('02:00:00:00:00:06'), 'unknown_section is ignored');
  t.notOk(macs.includes('02:00:00:00:00:07'), 'plugins is ignored');
});

t.test('parser reads text as JSON string', async (t) => {
  const event = eventAt(parseNetAlertXWebhook(readFixture(SYNTHETIC)).events, 8);
  t.equal(event.index, 10);
  t.equal(event.mac, '02:00:00:00:00:01');
  t.equal(event.type, 'Disconnected');
  t.equal(event.time, '2025-03-01 18:00:00');
  t.equal(event.additionalInfo, 'lab-pc-1');
});

t.test('parser skips text payload request', async (t) => {
  const row = parseNetAlertXWebhook(readFixture(SYNTHETIC)).skipped[2];
  t.equal(row?.index, 11);
  t.equal(row?.reason, `request 3: missing attachments[0].text, ${PAYLOAD_HINT}`);
});

t.test('parser reads one body object', async (t) => {
  const body = webhookBody({ events: [macRow(), macRow({ MAC: undefined })] });
  const { events, skipped } = parseNetAlertXWebhook(body);
  t.equal(events.length, 1);
  t.equal(eventAt(events, 0).index, 0);
  t.equal(eventAt(events, 0).mac, '02:00:00:00:00:01');
  t.same(skipped, [{ index: 1, reason: 'row 2 of events: missing MAC' }]);
});

t.test('parser reads one captured request', async (t) => {
  const request = { headers: {}, body: webhookBody({ events: [macRow()] }) };
  const { events, skipped } = parseNetAlertXWebhook(request);
  t.equal(events.length, 1);
  t.equal(skipped.length, 0);
});

t.test('parser reads body as string', async (t) => {
  const body = JSON.stringify(webhookBody({ events: [macRow()] }));
  const { events, skipped } = parseNetAlertXWebhook([{ body }]);
  t.equal(events.length, 1);
  t.equal(eventAt(events, 0).type, 'Connected');
  t.equal(skipped.length, 0);
});

t.test('parser skips non-JSON body', async (t) => {
  const { skipped } = parseNetAlertXWebhook([{ body: 'text=hello' }]);
  t.same(skipped, [{ index: 0, reason: 'request 1: body is not JSON' }]);
});

t.test('parser skips HTML payload text', async (t) => {
  const { events, skipped } = parseNetAlertXWebhook(webhookBody('<h1>New devices</h1>'));
  t.equal(events.length, 0);
  t.same(skipped, [{ index: 0, reason: `attachments[0].text is not JSON, ${PAYLOAD_HINT}` }]);
});

t.test('parser skips array as text', async (t) => {
  const { skipped } = parseNetAlertXWebhook(webhookBody('[]'));
  t.same(skipped, [
    { index: 0, reason: 'expected attachments[0].text to be an object, found an array' },
  ]);
});

t.test('parser skips non-body input', async (t) => {
  t.same(parseNetAlertXWebhook(42).skipped, [
    { index: 0, reason: 'expected a webhook body object, found a number' },
  ]);
  t.same(parseNetAlertXWebhook(null).skipped, [
    { index: 0, reason: 'expected a webhook body object, found null' },
  ]);
  t.same(parseNetAlertXWebhook([{ body: [] }]).skipped, [
    { index: 0, reason: 'request 1: expected a webhook body object, found an array' },
  ]);
});

t.test('parser skips body without attachments', async (t) => {
  const { skipped } = parseNetAlertXWebhook({ username: 'NetAlertX', attachments: [] });
  t.same(skipped, [{ index: 0, reason: `missing attachments[0].text, ${PAYLOAD_HINT}` }]);
});

t.test('parser returns nothing for empty array', async (t) => {
  t.same(parseNetAlertXWebhook([]), { events: [], skipped: [] });
});

t.test('parser skips array of wrong type', async (t) => {
  const body = webhookBody({ events: 'none', down_devices: null, new_devices: [macRow()] });
  const { events, skipped } = parseNetAlertXWebhook(body);
  t.same(skipped, [{ index: 0, reason: 'events: expected an array, found a string' }]);
  t.equal(events.length, 1, 'null down_devices is no rows');
  t.equal(eventAt(events, 0).index, 1);
});

t.test('parser skips non-object row', async (t) => {
  const { skipped } = parseNetAlertXWebhook(webhookBody({ events: ['02:00:00:00:00:01'] }));
  t.same(skipped, [{ index: 0, reason: 'row 1 of events: expected an object, found a string' }]);
});

t.test('parser skips event without time', async (t) => {
  const { skipped } = parseNetAlertXWebhook(webhookBody({ events: [macRow({ Datetime: ' ' })] }));
  t.same(skipped, [
    { index: 0, reason: 'row 1 of events: missing time (Datetime or eve_DateTime)' },
  ]);
});

t.test('parser joins problems of a row', async (t) => {
  const row = macRow({ MAC: 12, IP: '192.168.1', 'Event Type': undefined });
  const [skipped] = parseNetAlertXWebhook(webhookBody({ events: [row] })).skipped;
  t.equal(
    skipped?.reason,
    'row 1 of events: invalid MAC 12, expected a string; invalid IP "192.168.1"; ' +
      'missing event type (Event Type or eve_EventType)',
  );
});

t.test('parser keeps type of the row', async (t) => {
  const row = macRow({ 'Event Type': 'Connected' });
  const event = eventAt(parseNetAlertXWebhook(webhookBody({ new_devices: [row] })).events, 0);
  t.equal(event.type, 'Connected');
});

t.test('parser leaves info empty without name', async (t) => {
  const row = macRow({ 'Device name': undefined, Comments: '' });
  const event = eventAt(parseNetAlertXWebhook(webhookBody({ events: [row] })).events, 0);
  t.equal(event.additionalInfo, '');
});

t.test('parser reads rows in key order', async (t) => {
  const text = {
    events: [macRow({ Datetime: '2025-03-01 10:00:00' })],
    new_devices: [macRow({ Datetime: '2025-03-01 09:00:00' })],
  };
  const { events } = parseNetAlertXWebhook(webhookBody(text));
  t.same(
    events.map((event) => event.time),
    ['2025-03-01 10:00:00', '2025-03-01 09:00:00'],
  );
});
