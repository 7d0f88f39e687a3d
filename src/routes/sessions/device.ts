import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { refTo } from '../../../schemas/ref.js';
import {
  DeviceParamsSchema,
  DeviceQuerySchema,
  SessionListResponseSchema,
} from '../../../schemas/sessions.js';
import { toSessionResponse } from '../../sessions/format.js';
import { readMac, readPeriod, windowUpToNow } from '../../sessions/input.js';
import { listOverlappingSessions } from '../../sessions/repository.js';

const deviceRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/sessions/:mac', {
    schema: {
      tags: ['sessions'],
      summary: 'A device\'s sessions in a period',
      description: 'Returns the device\'s sessions that overlap the period, open ones ' +
        'included, newest connection first. An unknown device gives an empty list. ' +
        'The routes /sessions/list, /sessions/calendar and /sessions/session-events ' +
        'take precedence over this one.',
      params: DeviceParamsSchema,
      querystring: DeviceQuerySchema,
      response: {
        200: refTo(SessionListResponseSchema),
        ...errorResponses(400, 401, 503),
      },
    },
  }, async (request) => {
    const zone = app.config.TIMEZONE;
    const mac = readMac('mac', request.params.mac);
    const period = readPeriod('period', request.query.period ?? '1 day');
    const now = app.clock();

    const rows = await listOverlappingSessions(app.database.db, {
      window: windowUpToNow(period, now, zone),
      now,
      mac,
    });

    return { success: true as const, sessions: rows.map((row) => toSessionResponse(row, zone, now)) };
  });
};

export default deviceRoute;
