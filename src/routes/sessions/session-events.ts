import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { refTo } from '../../../schemas/ref.js';
import {
  type SessionEventType,
  SessionEventsQuerySchema,
  SessionEventsResponseSchema,
} from '../../../schemas/sessions.js';
import { readPeriod, windowUpToNow } from '../../sessions/input.js';
import {
  EVENT_KEYS,
  eventSource,
  readJsonList,
  readPageRequest,
  SESSION_KEYS,
  sessionSource,
} from '../../sessions/pages.js';
import { sendJsonList } from './json-list.js';

const sessionEventsRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/sessions/session-events', {
    schema: {
      tags: ['sessions'],
      summary: 'Sessions or events in a period',
      description: [
        'type sessions returns the sessions that overlap the period, open ones',
        'included; missing the ones of those with a <missing event> side. all',
        'returns every event in the period: each session\'s connection and, once',
        'closed, its disconnection (a <missing event> side is no event), newest',
        'first, then by session, a disconnection before a connection of the same',
        'instant. voided, new and down keep the events whose type starts with',
        'VOIDED, is New Device, or is Device Down.',
      ].join(' '),
      querystring: SessionEventsQuerySchema,
      response: {
        200: refTo(SessionEventsResponseSchema),
        ...errorResponses(400, 401, 503),
      },
    },
  }, async (request, reply) => {
    const zone = app.config.TIMEZONE;
    const { limit, cursor } = request.query;
    const type = (request.query.type ?? 'all') as SessionEventType;
    const period = readPeriod('period', request.query.period ?? '7 days');
    const now = app.clock();
    const window = windowUpToNow(period, now, zone);
    const { db } = app.database;

    if (type === 'sessions' || type === 'missing') {
      const filter = { window, now, missingOnly: type === 'missing' };
      const source = sessionSource(db, { kind: 'overlap', filter }, 'session', { zone, now });
      return sendJsonList(reply, 'data', await readJsonList(app.database, source,
        readPageRequest(SESSION_KEYS, limit, cursor), app.config.MAX_ROWS));
    }
    const source = eventSource(db, { window, filter: type }, { zone, now });
    return sendJsonList(reply, 'data', await readJsonList(app.database, source,
      readPageRequest(EVENT_KEYS, limit, cursor), app.config.MAX_ROWS));
  });
};

export default sessionEventsRoute;
