import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { refTo } from '../../../schemas/ref.js';
import {
  type SessionEventType,
  SessionEventsQuerySchema,
  SessionEventsResponseSchema,
} from '../../../schemas/sessions.js';
import { toSessionEventResponse, toSessionResponse } from '../../sessions/format.js';
import { readPeriod, windowUpToNow } from '../../sessions/input.js';
import { listEvents, listOverlappingSessions } from '../../sessions/repository.js';

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
  }, async (request) => {
    const zone = app.config.TIMEZONE;
    const type = (request.query.type ?? 'all') as SessionEventType;
    const period = readPeriod('period', request.query.period ?? '7 days');
    const now = app.clock();
    const window = windowUpToNow(period, now, zone);

    if (type === 'sessions' || type === 'missing') {
      const rows = await listOverlappingSessions(app.database.db, {
        window, now, missingOnly: type === 'missing',
      });
      return { success: true as const, data: rows.map((row) => toSessionResponse(row, zone, now)) };
    }
    const events = await listEvents(app.database.db, { window, filter: type });
    return { success: true as const, data: events.map((row) => toSessionEventResponse(row, zone)) };
  });
};

export default sessionEventsRoute;
