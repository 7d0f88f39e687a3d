import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { refTo } from '../../../schemas/ref.js';
import { ListSessionsQuerySchema, SessionListResponseSchema } from '../../../schemas/sessions.js';
import { invalidField, quoteValue } from '../../errors.js';
import { readDate, readMac } from '../../sessions/input.js';
import { readJsonList, readPageRequest, SESSION_KEYS, sessionSource } from '../../sessions/pages.js';
import { nextMidnight } from '../../sessions/time.js';
import { sendJsonList } from './json-list.js';

const listRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/sessions/list', {
    schema: {
      tags: ['sessions'],
      summary: 'List sessions',
      description: [
        'Lists sessions, newest connection first, then higher ses_ID first.',
        'start_date keeps sessions that connected on or after that local midnight;',
        'end_date keeps sessions that ended no later than the next local midnight,',
        'where an open session counts as ending now, so a device connected today',
        'is listed when end_date is today. start_date after end_date is a 400.',
      ].join(' '),
      querystring: ListSessionsQuerySchema,
      response: {
        200: refTo(SessionListResponseSchema),
        ...errorResponses(400, 401, 503),
      },
    },
  }, async (request, reply) => {
    const zone = app.config.TIMEZONE;
    const { mac, start_date: startDate, end_date: endDate, limit, cursor } = request.query;
    const connectedFrom = startDate === undefined ? undefined : readDate('start_date', startDate, zone);
    const endDay = endDate === undefined ? undefined : readDate('end_date', endDate, zone);
    if (connectedFrom !== undefined && endDay !== undefined && connectedFrom > endDay) {
      throw invalidField('start_date', startDate,
        `it is after end_date ${quoteValue(endDate)}; send a start_date on or before end_date`);
    }
    const page = readPageRequest(SESSION_KEYS, limit, cursor);
    const now = app.clock();

    const filter = {
      mac: mac === undefined ? undefined : readMac('mac', mac),
      connectedFrom,
      endedBy: endDay === undefined ? undefined : nextMidnight(endDay, zone),
      now,
    };
    const source = sessionSource(app.database.db, { kind: 'list', filter }, 'session', { zone, now });
    return sendJsonList(reply, 'sessions',
      await readJsonList(app.database, source, page, app.config.MAX_ROWS));
  });
};

export default listRoute;
