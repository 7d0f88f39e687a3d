import t from 'tap';
import {
  buildTestApp, fixedClock, openTestDatabase, randomMac, send,
} from '../helpers.js';

const NOW = '2025-10-27T12:00:00Z';
const database = await openTestDatabase(t);
const app = await buildTestApp(t, {
  database, env: { TIMEZONE: 'Europe/Berlin' }, clock: fixedClock(NOW),
});

interface Step {
  type?: string;
  at?: string;
  ip?: string;
  info?: string;
  status?: number;
  effect?: string;
}

interface Case {
  name: string;
  steps: Step[];
  /** Expected sessions, newest first, as `connection..disconnection` texts. */
  sessions: string[];
  durations?: string[];
}

async function post(mac: string, step: Step) {
  const body: Record<string, string> = {};
  if (step.type !== undefined) body.event_type = step.type;
  if (step.at !== undefined) body.event_time = step.at;
  body.ip = step.ip ?? '10.0.0.1';
  if (step.info !== undefined) body.additional_info = step.info;
  return send(app, 'POST', `/events/create/${mac}`, body);
}

async function sessionsOf(mac: string) {
  const list = await send(app, 'GET', `/sessions/list?mac=${mac}`);
  return list.json.sessions as Array<Record<string, any>>;
}

const cases: Case[] = [
  {
    name: 'connection then disconnection',
    steps: [
      { type: 'Connected', at: '2025-10-20T10:00:00', effect: 'opened' },
      { type: 'Disconnected', at: '2025-10-20T12:00:00', effect: 'closed' },
    ],
    sessions: ['2025-10-20 10:00..2025-10-20 12:00'],
    durations: ['2h 0m'],
  },
  {
    name: 'duplicate events change nothing',
    steps: [
      { type: 'New Device', at: '2025-10-20T10:00:00', effect: 'opened' },
      { type: 'New Device', at: '2025-10-20T10:00:00', effect: 'repeat' },
      { type: 'Device Down', at: '2025-10-20T11:00:00', effect: 'closed' },
      { type: 'Device Down', at: '2025-10-20T11:00:00', effect: 'repeat' },
    ],
    sessions: ['2025-10-20 10:00..2025-10-20 11:00'],
  },
  {
    name: 'second connection closes the first',
    steps: [
      { type: 'Connected', at: '2025-10-20T10:00:00', effect: 'opened' },
      { type: 'Down Reconnected', at: '2025-10-20T12:00:00', effect: 'opened' },
    ],
    sessions: ['2025-10-20 12:00.....', '2025-10-20 10:00..<missing event>'],
  },
  {
    name: 'orphan disconnection reaches back one hour',
    steps: [{ type: 'Disconnected', at: '2025-10-20T10:00:00', effect: 'closed' }],
    sessions: ['<missing event>..2025-10-20 10:00'],
  },
  {
    name: 'orphan disconnection starts at previous end',
    steps: [
      { type: 'Connected', at: '2025-10-20T08:00:00' },
      { type: 'Disconnected', at: '2025-10-20T09:40:00' },
      { type: 'Device Down', at: '2025-10-20T10:00:00', effect: 'closed' },
    ],
    sessions: ['<missing event>..2025-10-20 10:00', '2025-10-20 08:00..2025-10-20 09:40'],
  },
  {
    name: 'event out of order is a conflict',
    steps: [
      { type: 'Connected', at: '2025-10-20T10:00:00' },
      { type: 'Disconnected', at: '2025-10-20T11:00:00' },
      { type: 'Connected', at: '2025-10-20T10:30:00', status: 409 },
      { type: 'Disconnected', at: '2025-10-20T10:45:00', status: 409 },
    ],
    sessions: ['2025-10-20 10:00..2025-10-20 11:00'],
  },
  {
    name: 'late disconnection fills missing end',
    steps: [
      { type: 'Connected', at: '2025-10-20T10:00:00' },
      { type: 'Connected', at: '2025-10-20T12:00:00' },
      { type: 'Disconnected', at: '2025-10-20T11:00:00', effect: 'filled' },
    ],
    sessions: ['2025-10-20 12:00.....', '2025-10-20 10:00..2025-10-20 11:00'],
  },
  {
    name: 'standalone event changes no session',
    steps: [
      { type: 'Connected', at: '2025-10-20T10:00:00' },
      { type: 'IP Changed', at: '2025-10-20T10:30:00', info: 'Previous IP: 10.0.0.9', effect: 'recorded' },
      { type: 'IP Changed', at: '2025-10-20T10:30:00', info: 'Previous IP: 10.0.0.9', effect: 'repeat' },
      { type: 'VOIDED - Connected', at: '2025-10-20T09:00:00', effect: 'recorded' },
    ],
    sessions: ['2025-10-20 10:00.....'],
  },
  {
    name: 'session across fall-back lasts 30 minutes',
    steps: [
      { type: 'Connected', at: '2025-10-26T02:40:00+02:00' },
      { type: 'Disconnected', at: '2025-10-26T02:10:00+01:00' },
    ],
    sessions: ['2025-10-26 02:40..2025-10-26 02:10'],
    durations: ['0h 30m'],
  },
  {
    name: 'ambiguous wall time is the earlier',
    steps: [
      { type: 'Connected', at: '2025-10-26T02:30:00' },
      { type: 'Disconnected', at: '2025-10-26T03:30:00' },
    ],
    sessions: ['2025-10-26 02:30..2025-10-26 03:30'],
    durations: ['2h 0m'],
  },
  {
    name: 'same instant open and close conflicts',
    steps: [
      { type: 'Connected', at: '2025-10-20T10:00:00' },
      { type: 'Disconnected', at: '2025-10-20T10:00:00', status: 409 },
    ],
    sessions: ['2025-10-20 10:00.....'],
  },
  {
    name: 'type defaults to Device Down',
    steps: [{ at: '2025-10-20T10:00:00', effect: 'closed' }],
    sessions: ['<missing event>..2025-10-20 10:00'],
  },
];

for (const testCase of cases) {
  t.test(`events ${testCase.name}`, async (t) => {
    const mac = randomMac();
    for (const [index, step] of testCase.steps.entries()) {
      const response = await post(mac, step);
      const label = `step ${index + 1} ${step.type ?? 'default'} at ${step.at}`;
      t.equal(response.status, step.status ?? 200, `${label} status`);
      if (step.effect) t.equal(response.json?.effect, step.effect, `${label} effect`);
      if (response.status !== 200) t.equal(response.json?.success, false, `${label} envelope`);
    }
    const sessions = await sessionsOf(mac);
    t.same(sessions.map((s) => `${s.ses_Connection}..${s.ses_Disconnection}`), testCase.sessions);
    if (testCase.durations) t.same(sessions.map((s) => s.ses_Duration), testCase.durations);
  });
}

t.test('event fields of each session side', async (t) => {
  const mac = randomMac();
  await post(mac, { type: 'Disconnected', at: '2025-10-20T10:00:00' });
  const [session] = await sessionsOf(mac);
  t.equal(session?.ses_EventTypeConnection, '<missing event>');
  t.equal(session?.ses_ConnectionTime, null);
  t.equal(session?.ses_Duration, '...');
  t.equal(session?.ses_DisconnectionTime, '2025-10-20T10:00:00+02:00');
});

t.test('event time defaults to now', async (t) => {
  const mac = randomMac();
  const response = await post(mac, { type: 'Connected' });
  t.equal(response.status, 200);
  t.equal(response.json.session.ses_ConnectionTime, '2025-10-27T13:00:00+01:00');
  t.equal(response.json.message, `Event created for MAC ${mac}`);
});

t.test('event bad input is a 400', async (t) => {
  const mac = randomMac();
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['/events/create/not-a-mac', 'mac', { event_type: 'Connected' }],
    [`/events/create/${mac}`, 'event_time', { event_time: '2025-10-27T12:10:00Z' }],
    [`/events/create/${mac}`, 'event_time', { event_time: '2025-03-30T02:30:00' }],
    [`/events/create/${mac}`, 'event_type', { event_type: '<missing event>' }],
    [`/events/create/${mac}`, 'event_type', { event_type: 'x'.repeat(61) }],
    [`/events/create/${mac}`, 'ip', { ip: '10.0.0.5/24' }],
    [`/events/create/${mac}`, 'pending_alert', { pending_alert: 'yes' }],
  ];
  for (const [url, field, body] of cases) {
    const response = await send(app, 'POST', url, body);
    t.equal(response.status, 400, `${field} ${JSON.stringify(body)} status`);
    t.match(response.json?.message, field, `${field} named`);
  }
  t.same(await sessionsOf(mac), [], 'nothing was stored');
});

t.test('events appear in event lists', async (t) => {
  const mac = randomMac();
  await post(mac, { type: 'Connected', at: '2025-10-27T09:00:00Z' });
  await post(mac, { type: 'IP Changed', at: '2025-10-27T10:00:00Z', info: 'Previous IP: 10.0.0.2' });
  await post(mac, { type: 'Disconnected', at: '2025-10-27T11:00:00Z' });
  await post(mac, { type: 'Connected', at: '2025-10-20T09:00:00Z', status: 409 });

  const all = await send(app, 'GET', `/events?mac=${mac.toLowerCase()}`);
  t.equal(all.status, 200);
  t.same(all.json.events.map((row: any) => row.eve_EventType),
    ['Disconnected', 'IP Changed', 'Connected']);
  t.equal(all.json.events[1].eve_AdditionalInfo, 'Previous IP: 10.0.0.2');

  const recent = await send(app, 'GET', '/events/recent');
  t.equal(recent.json.events.filter((row: any) => row.eve_MAC === mac).length, 3);
  const twoHours = await send(app, 'GET', '/events/2');
  t.same(twoHours.json.events.filter((row: any) => row.eve_MAC === mac)
    .map((row: any) => row.eve_EventType), ['Disconnected', 'IP Changed']);

  const sessionEvents = await send(app, 'GET', '/sessions/session-events?type=all&period=1%20day');
  t.ok(sessionEvents.json.data.some((row: any) => row.eve_MAC === mac
    && row.eve_EventType === 'IP Changed'), 'standalone events are in session-events all');

  for (const hours of ['0', '100001', 'abc', '1.5']) {
    const response = await send(app, 'GET', `/events/${hours}`);
    t.equal(response.status, 400, `hours ${hours}`);
  }
});

t.test('totals count like session-events', async (t) => {
  const totals = await send(app, 'GET', '/sessions/totals?period=7%20days');
  t.equal(totals.status, 200);
  for (const type of ['all', 'sessions', 'missing', 'voided', 'new', 'down']) {
    const listed = await send(app, 'GET', `/sessions/session-events?type=${type}&period=7%20days`);
    t.equal(totals.json.totals[type], listed.json.data.length, `${type} count`);
  }
  t.ok(totals.json.totals.all > 0, 'the period holds events');
  const bad = await send(app, 'GET', '/sessions/totals?period=fortnight');
  t.equal(bad.status, 400);
});

t.test('parallel events keep one history', async (t) => {
  const mac = randomMac();
  const base = Date.parse('2025-10-21T00:00:00Z');
  const steps = Array.from({ length: 50 }, (_, index) => ({
    type: index % 2 === 0 ? 'Connected' : 'Disconnected',
    at: new Date(base + index * 60_000).toISOString(),
  }));
  const responses = await Promise.all(steps.map((step) => post(mac, step)));
  for (const response of responses) {
    t.ok(response.status === 200 || response.status === 409, `status ${response.status}`);
  }
  const sessions = (await sessionsOf(mac)).reverse();
  const open = sessions.filter((session) => session.ses_StillConnected);
  t.ok(open.length <= 1, 'at most one open session');
  for (let index = 1; index < sessions.length; index++) {
    const previous = sessions[index - 1]!;
    const current = sessions[index]!;
    t.ok(previous.ses_StillConnected === false, 'only the newest session may be open');
    t.ok(Date.parse(previous.ses_DisconnectionTime ?? current.ses_ConnectionTime)
      <= Date.parse(current.ses_ConnectionTime ?? previous.ses_DisconnectionTime),
    'sessions do not overlap');
  }
  const accepted = responses.filter((response) => response.status === 200).length;
  t.ok(accepted >= 1, 'some events were applied');
});
