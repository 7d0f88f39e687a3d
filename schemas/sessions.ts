// Request and response schemas of the /sessions routes. Shapes only: MACs,
// addresses, instants and periods are checked by the domain code, whose 400
// message names the field, the value and the accepted form.
import { type Static, Type } from '@sinclair/typebox';
import { refTo } from './ref.js';

const MAC_DESCRIPTION =
  'Device MAC as AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or ' +
  'aabbccddeeff, or Internet for the WAN side. Returned upper case with colons.';
const INSTANT_DESCRIPTION =
  'ISO 8601 instant with T or a space; seconds, fraction and offset optional. ' +
  'Without an offset it is wall time in the service time zone (TIMEZONE); a ' +
  'wall time in a DST gap is rejected and one in the fall-back hour means the ' +
  'earlier instant. At most five minutes in the future.';
const PERIOD_DESCRIPTION =
  'N unit, N from 1 to 1000, unit minute(s), hour(s), day(s), week(s), month(s) ' +
  'or year(s). The window runs from now minus the period up to now, in calendar ' +
  'units of the service time zone.';
const DATE_DESCRIPTION = 'Calendar date YYYY-MM-DD, meaning local midnight in TIMEZONE';

const Mac = Type.String({ description: MAC_DESCRIPTION, examples: ['AA:BB:CC:DD:EE:FF'] });

export const SessionSchema = Type.Object(
  {
    ses_ID: Type.Integer({ description: 'Session id' }),
    ses_MAC: Type.String({ description: 'Canonical MAC or Internet' }),
    ses_IP: Type.String({ description: 'IP address; empty when unknown' }),
    ses_EventTypeConnection: Type.String({ examples: ['Connected'] }),
    ses_Connection: Type.String({
      description: 'Connection wall time YYYY-MM-DD HH:mm, or <missing event>',
      examples: ['2025-08-01 10:00'],
    }),
    ses_EventTypeDisconnection: Type.Union([Type.String(), Type.Null()], {
      description: 'Disconnection event type; null while the session is open',
      examples: ['Disconnected'],
    }),
    ses_Disconnection: Type.String({
      description: 'Disconnection wall time YYYY-MM-DD HH:mm, ... while open, ' +
        'or <missing event>',
      examples: ['2025-08-01 12:00'],
    }),
    ses_Duration: Type.String({
      description: 'Whole minutes as 2h 0m or 3d 4h 12m, counting to now while ' +
        'open; ... when a side is <missing event>',
      examples: ['2h 0m'],
    }),
    ses_Info: Type.String({ description: 'Additional information; empty when none' }),
    ses_StillConnected: Type.Boolean({ description: 'True while the session is open' }),
    ses_ConnectionTime: Type.Union([Type.String(), Type.Null()], {
      description: 'Connection instant, ISO 8601 with offset; null for <missing event>',
      examples: ['2025-08-01T10:00:00+00:00'],
    }),
    ses_DisconnectionTime: Type.Union([Type.String(), Type.Null()], {
      description: 'Disconnection instant, ISO 8601 with offset; null while open ' +
        'or for <missing event>',
      examples: ['2025-08-01T12:00:00+00:00'],
    }),
    ses_DurationSeconds: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Whole seconds, counting to now while open; null when the ' +
        'duration is ...',
      examples: [7200],
    }),
  },
  { $id: 'Session', description: 'One stay of one device on the network' },
);
export type SessionResponse = Static<typeof SessionSchema>;

export const CalendarItemSchema = Type.Object(
  {
    resourceId: Type.String({ description: 'Canonical MAC' }),
    title: Type.String({ description: 'Always empty' }),
    start: Type.String({
      description: 'Connection wall time without offset',
      examples: ['2025-08-01T10:00:00'],
    }),
    end: Type.String({
      description: 'Disconnection wall time without offset; now while open',
      examples: ['2025-08-01T12:00:00'],
    }),
    color: Type.String({
      description: '#f39c12 when a side is <missing event>, #00a659 while open, else #0073b7',
      examples: ['#0073b7'],
    }),
    tooltip: Type.String({
      examples: ['Connection: 2025-08-01 10:00\nDisconnection: 2025-08-01 12:00\nIP: 192.168.1.10'],
    }),
    className: Type.String({ examples: ['no-border'] }),
  },
  { $id: 'CalendarItem', description: 'A session as a FullCalendar event' },
);
export type CalendarItem = Static<typeof CalendarItemSchema>;

export const SessionEventSchema = Type.Object(
  {
    eve_MAC: Type.String(),
    eve_DateTime: Type.String({ description: 'Wall time YYYY-MM-DD HH:mm', examples: ['2025-08-01 10:00'] }),
    eve_Time: Type.String({ description: 'Instant, ISO 8601 with offset' }),
    eve_EventType: Type.String({ examples: ['Connected'] }),
    eve_IP: Type.String({ description: 'IP address; empty when unknown' }),
    eve_AdditionalInfo: Type.String(),
  },
  { $id: 'SessionEvent', description: 'A connection or disconnection event' },
);
export type SessionEventResponse = Static<typeof SessionEventSchema>;

export const CreateSessionBodySchema = Type.Object(
  {
    mac: Mac,
    ip: Type.String({ description: 'One IPv4 or IPv6 address', examples: ['192.168.1.10'] }),
    start_time: Type.String({ description: INSTANT_DESCRIPTION, examples: ['2025-08-01T10:00:00'] }),
    end_time: Type.Optional(Type.String({
      description: `${INSTANT_DESCRIPTION} Later than start_time; without it the session is open.`,
      examples: ['2025-08-01T12:00:00'],
    })),
    event_type_conn: Type.Optional(Type.String({
      minLength: 1, maxLength: 30, default: 'Connected', examples: ['Connected'],
    })),
    event_type_disc: Type.Optional(Type.String({
      minLength: 1, maxLength: 30, default: 'Disconnected', examples: ['Disconnected'],
      description: 'Not used without end_time',
    })),
    additional_info: Type.Optional(Type.String({ maxLength: 250, default: '' })),
  },
  {
    $id: 'CreateSessionBody',
    examples: [{
      mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
      start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
      event_type_conn: 'Connected', event_type_disc: 'Disconnected',
    }],
  },
);
export type CreateSessionBody = Static<typeof CreateSessionBodySchema>;

export const CreateSessionResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Session created for MAC AA:BB:CC:DD:EE:FF'] }),
    session: refTo(SessionSchema),
  },
  { $id: 'CreateSessionResponse', description: 'The stored session, new or an exact repeat' },
);

export const DeleteSessionsBodySchema = Type.Object(
  { mac: Type.Optional(Mac) },
  { $id: 'DeleteSessionsBody' },
);

export const MacQuerySchema = Type.Object({ mac: Type.Optional(Mac) });

export const DeleteSessionsResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    message: Type.String({ examples: ['Deleted sessions for MAC AA:BB:CC:DD:EE:FF'] }),
    deleted: Type.Integer({ minimum: 0, description: 'Number of sessions deleted' }),
  },
  { $id: 'DeleteSessionsResponse', description: 'How many sessions were deleted' },
);

const PAGE_LIMIT_DESCRIPTION =
  'Page size, a whole number from 1 to 10000. With limit the response holds at ' +
  'most that many items and next_cursor; without it the response is complete, ' +
  'or a 400 when it would exceed the service\'s MAX_ROWS.';
const PAGE_CURSOR_DESCRIPTION =
  'The next_cursor of the previous page: the response continues after its last item.';

/** The optional keyset pagination parameters of the list routes. */
export const PageQuery = {
  limit: Type.Optional(Type.String({ description: PAGE_LIMIT_DESCRIPTION, examples: ['500'] })),
  cursor: Type.Optional(Type.String({ description: PAGE_CURSOR_DESCRIPTION })),
};

const NextCursor = Type.Optional(Type.Union([Type.String(), Type.Null()], {
  description: 'Present when the request had limit: the cursor of the next page, ' +
    'or null after the last page',
}));

export const ListSessionsQuerySchema = Type.Object({
  mac: Type.Optional(Mac),
  start_date: Type.Optional(Type.String({
    description: `${DATE_DESCRIPTION}. Sessions that connected on or after it.`,
    examples: ['2025-08-01'],
  })),
  end_date: Type.Optional(Type.String({
    description: `${DATE_DESCRIPTION}. Sessions that ended no later than the next ` +
      'local midnight; an open session counts as ending now.',
    examples: ['2025-08-21'],
  })),
  ...PageQuery,
});

export const SessionListResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    sessions: Type.Array(refTo(SessionSchema)),
    next_cursor: NextCursor,
  },
  { $id: 'SessionListResponse', description: 'Sessions, newest connection first' },
);

const CALENDAR_BOUND =
  'Date YYYY-MM-DD (local midnight in TIMEZONE) or an ISO 8601 instant.';

export const CalendarQuerySchema = Type.Object({
  start: Type.String({ description: `Window start. ${CALENDAR_BOUND}`, examples: ['2025-08-01'] }),
  end: Type.String({
    description: `Window end. ${CALENDAR_BOUND} A date includes that whole day. ` +
      'At most 400 days after start.',
    examples: ['2025-08-21'],
  }),
  mac: Type.Optional(Mac),
  ...PageQuery,
});

export const CalendarResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    sessions: Type.Array(refTo(CalendarItemSchema)),
    next_cursor: NextCursor,
  },
  { $id: 'CalendarResponse', description: 'Sessions that overlap the window' },
);

export const DeviceParamsSchema = Type.Object({ mac: Mac });

export const DeviceQuerySchema = Type.Object({
  period: Type.Optional(Type.String({
    description: PERIOD_DESCRIPTION, default: '1 day', examples: ['7 days'],
  })),
  ...PageQuery,
});

export const SESSION_EVENT_TYPES = ['all', 'sessions', 'missing', 'voided', 'new', 'down'] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

export const SessionEventsQuerySchema = Type.Object({
  type: Type.Optional(Type.String({
    description: 'all: every event; sessions: sessions overlapping the period; ' +
      'missing: sessions with a <missing event> side; voided: events whose type ' +
      'starts with VOIDED; new: New Device events; down: Device Down events.',
    enum: [...SESSION_EVENT_TYPES],
    default: 'all',
  })),
  period: Type.Optional(Type.String({
    description: PERIOD_DESCRIPTION, default: '7 days', examples: ['7 days'],
  })),
  ...PageQuery,
});

export const SessionEventsResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    data: Type.Array(Type.Union([refTo(SessionSchema), refTo(SessionEventSchema)]), {
      description: 'Session objects for sessions and missing, event rows otherwise',
    }),
    next_cursor: NextCursor,
  },
  { $id: 'SessionEventsResponse' },
);
