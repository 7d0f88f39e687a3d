// Request and response schemas of the /events routes and the session totals.
import { Type } from '@sinclair/typebox';
import { refTo } from './ref.js';
import { SessionEventSchema, SessionSchema } from './sessions.js';

export const CreateEventBodySchema = Type.Object(
  {
    ip: Type.Optional(Type.String({ description: 'One IPv4 or IPv6 address', examples: ['192.168.1.10'] })),
    event_type: Type.Optional(Type.String({
      minLength: 1, maxLength: 60, default: 'Device Down',
      description: 'Connected, New Device and Down Reconnected open a session; ' +
        'Disconnected and Device Down close one; any other type (IP Changed, ' +
        'VOIDED - ..., free text) is a standalone event.',
      examples: ['Connected'],
    })),
    event_time: Type.Optional(Type.String({
      description: 'ISO 8601 instant, naive means TIMEZONE wall time; at most five ' +
        'minutes in the future. Defaults to now.',
      examples: ['2025-08-01T10:00:00'],
    })),
    additional_info: Type.Optional(Type.String({ maxLength: 250, default: '' })),
    pending_alert: Type.Optional(Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 1 })], {
      description: 'NetAlertX alert flag, stored with standalone events',
    })),
  },
  {
    $id: 'CreateEventBody',
    examples: [{ ip: '192.168.1.10', event_type: 'Connected', event_time: '2025-08-01T10:00:00' }],
  },
);

export const EVENT_EFFECTS = ['opened', 'closed', 'filled', 'recorded', 'repeat'] as const;

export const CreateEventResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Event created for MAC AA:BB:CC:DD:EE:FF'] }),
    effect: Type.Union(EVENT_EFFECTS.map((effect) => Type.Literal(effect)), {
      description: 'opened or closed a session, filled an inferred <missing event> ' +
        'end, recorded a standalone event, or repeat: an event already applied',
    }),
    session: Type.Union([refTo(SessionSchema), Type.Null()], {
      description: 'The session the event opened, closed or filled',
    }),
  },
  { $id: 'CreateEventResponse' },
);

export const EventListResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    events: Type.Array(refTo(SessionEventSchema)),
  },
  { $id: 'EventListResponse', description: 'Events, newest first' },
);

export const EventHoursParamsSchema = Type.Object({
  hours: Type.String({ description: 'Hours back from now, 1 to 100000', examples: ['48'] }),
});

export const TotalsQuerySchema = Type.Object({
  period: Type.Optional(Type.String({ default: '7 days', examples: ['7 days'] })),
});

const Count = Type.Integer({ minimum: 0 });

export const TotalsResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    totals: Type.Object({
      all: Count, sessions: Count, missing: Count, voided: Count, new: Count, down: Count,
    }),
  },
  { $id: 'TotalsResponse', description: 'Counts per session-events type for the period' },
);

export const MAX_SNAPSHOT_DEVICES = 10_000;

export const ScanBodySchema = Type.Object(
  {
    source: Type.Optional(Type.String({
      minLength: 1, maxLength: 60, default: 'scan',
      description: 'The scanner; a snapshot closes only sessions its own source opened',
      examples: ['arp-scan'],
    })),
    scanned_at: Type.Optional(Type.String({
      description: 'ISO 8601 instant of the scan, naive means TIMEZONE wall time; ' +
        'defaults to now, at most five minutes in the future',
      examples: ['2025-08-01T10:00:00'],
    })),
    devices: Type.Array(Type.Object({
      mac: Type.String({ examples: ['AA:BB:CC:DD:EE:FF'] }),
      ip: Type.Optional(Type.String({ examples: ['192.168.1.10'] })),
    }), {
      maxItems: MAX_SNAPSHOT_DEVICES,
      description: 'Exactly the devices of this source that are present now',
    }),
  },
  {
    $id: 'ScanBody',
    examples: [{ source: 'arp-scan', devices: [{ mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10' }] }],
  },
);

export const ScanEventSchema = Type.Object(
  {
    mac: Type.String(),
    ip: Type.String({ description: 'IP address; empty when unknown' }),
    event_type: Type.String({ examples: ['New Device', 'Connected', 'Disconnected', 'IP Changed'] }),
    event_time: Type.String({ description: 'ISO 8601 with offset' }),
    effect: Type.Union(EVENT_EFFECTS.map((effect) => Type.Literal(effect))),
  },
  { $id: 'ScanEvent', description: 'An event that the snapshot derived and recorded' },
);

export const ScanResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Snapshot of source arp-scan applied'] }),
    events: Type.Array(refTo(ScanEventSchema)),
  },
  { $id: 'ScanResponse' },
);

export const NetAlertXResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['NetAlertX notification applied'] }),
    applied: Type.Object({
      opened: Count, closed: Count, filled: Count, recorded: Count,
    }, { description: 'Events applied, by what they did' }),
    present: Type.Integer({ minimum: 0, description: 'Events already applied before' }),
    skippedCount: Type.Integer({ minimum: 0, description: 'Rows skipped in all' }),
    skipped: Type.Array(Type.Object({
      record: Type.Integer({ description: 'Position of the row in the notification' }),
      reason: Type.String(),
    }), { description: 'The first 100 skipped rows and why' }),
  },
  { $id: 'NetAlertXResponse' },
);
