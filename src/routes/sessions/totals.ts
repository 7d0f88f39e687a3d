import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { TotalsQuerySchema, TotalsResponseSchema } from '../../../schemas/events.js';
import { refTo } from '../../../schemas/ref.js';
import { readPeriod, windowUpToNow } from '../../sessions/input.js';
import { listEvents, listOverlappingSessions } from '../../sessions/repository.js';

const totalsRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/sessions/totals', {
    schema: {
      tags: ['sessions'],
      summary: 'Counts of sessions and events in a period',
      description: 'Counts what GET /sessions/session-events returns for each type ' +
        'in the period (default 7 days), by the same rules.',
      querystring: TotalsQuerySchema,
      response: { 200: refTo(TotalsResponseSchema), ...errorResponses(400, 401, 503) },
    },
  }, async (request) => {
    const zone = app.config.TIMEZONE;
    const now = app.clock();
    const window = windowUpToNow(readPeriod('period', request.query.period ?? '7 days'), now, zone);
    const { db } = app.database;

    // NOTE: this reads the rows and counts them in JavaScript; counting in SQL
    // would be faster on long periods.
    const [sessions, missing, all, voided, added, down] = await Promise.all([
      listOverlappingSessions(db, { window, now }),
      listOverlappingSessions(db, { window, now, missingOnly: true }),
      listEvents(db, { window, filter: 'all' }),
      listEvents(db, { window, filter: 'voided' }),
      listEvents(db, { window, filter: 'new' }),
      listEvents(db, { window, filter: 'down' }),
    ]);

    return {
      success: true as const,
      totals: {
        all: all.length, sessions: sessions.length, missing: missing.length,
        voided: voided.length, new: added.length, down: down.length,
      },
    };
  });
};

export default totalsRoute;
