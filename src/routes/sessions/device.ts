import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { refTo } from '../../../schemas/ref.js';
import {
  DeviceParamsSchema,
  DeviceQuerySchema,
  SessionListResponseSchema,
} from '../../../schemas/sessions.js';
import { readMac, readPeriod, windowUpToNow } from '../../sessions/input.js';
import { readJsonList, readPageRequest, SESSION_KEYS, sessionSource } from '../../sessions/pages.js';
import { sendJsonList } from './json-list.js';

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
  }, async (request, reply) => {
    const zone = app.config.TIMEZONE;
    const mac = readMac('mac', request.params.mac);
    const period = readPeriod('period', request.query.period ?? '1 day');
    const page = readPageRequest(SESSION_KEYS, request.query.limit, request.query.cursor);
    const now = app.clock();

    const filter = { window: windowUpToNow(period, now, zone), now, mac };
    const source = sessionSource(app.database.db, { kind: 'overlap', filter }, 'session', { zone, now },
      app.zoneRulesAgree);
    return sendJsonList(reply, 'sessions',
      await readJsonList(app.database, source, page, app.config.MAX_ROWS));
  });
};

export default deviceRoute;
