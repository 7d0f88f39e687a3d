import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { refTo } from '../../../schemas/ref.js';
import { CalendarQuerySchema, CalendarResponseSchema } from '../../../schemas/sessions.js';
import { invalidField, quoteValue } from '../../errors.js';
import { readCalendarBound, readMac } from '../../sessions/input.js';
import { readJsonList, readPageRequest, SESSION_KEYS, sessionSource } from '../../sessions/pages.js';
import { addCalendarDays } from '../../sessions/time.js';
import { sendJsonList } from './json-list.js';

/** The maximum calendar window, in days. */
export const MAX_CALENDAR_DAYS = 400;

const calendarRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/sessions/calendar', {
    schema: {
      tags: ['sessions'],
      summary: 'Sessions as calendar events',
      description: [
        'Returns every session that overlaps the window from start to end,',
        'including sessions that began before it or end after it, and open ones',
        '(which end now), as FullCalendar events. A date-only end includes that',
        'whole day. start after end, or a window longer than 400 days, is a 400.',
      ].join(' '),
      querystring: CalendarQuerySchema,
      response: {
        200: refTo(CalendarResponseSchema),
        ...errorResponses(400, 401, 503),
      },
    },
  }, async (request, reply) => {
    const zone = app.config.TIMEZONE;
    const { start, end, mac, limit, cursor } = request.query;
    const from = readCalendarBound('start', start, zone, false);
    const to = readCalendarBound('end', end, zone, true);
    // A date-only end is compared as its own midnight, before it is widened.
    if (from > readCalendarBound('end', end, zone, false)) {
      throw invalidField('start', start,
        `it is after end ${quoteValue(end)}; send a start on or before end`);
    }
    // Calendar days of the zone, so a DST change does not shorten the limit.
    if (to > addCalendarDays(from, MAX_CALENDAR_DAYS, zone)) {
      throw invalidField('end', end,
        `the window from ${quoteValue(start)} is longer than ${MAX_CALENDAR_DAYS} days; ` +
        'request a shorter window');
    }
    const page = readPageRequest(SESSION_KEYS, limit, cursor);
    const now = app.clock();

    const filter = { window: { from, to }, now, mac: mac === undefined ? undefined : readMac('mac', mac) };
    const source = sessionSource(app.database.db, { kind: 'overlap', filter }, 'calendar', { zone, now });
    return sendJsonList(reply, 'sessions',
      await readJsonList(app.database, source, page, app.config.MAX_ROWS));
  });
};

export default calendarRoute;
