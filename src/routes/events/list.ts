import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { EventHoursParamsSchema, EventListResponseSchema } from '../../../schemas/events.js';
import { refTo } from '../../../schemas/ref.js';
import { MacQuerySchema } from '../../../schemas/sessions.js';
import { invalidField } from '../../errors.js';
import { toSessionEventResponse } from '../../sessions/format.js';
import { MAX_FUTURE_MINUTES, readMac } from '../../sessions/input.js';
import { listEvents } from '../../sessions/repository.js';
import { addMinutes, type Window } from '../../sessions/time.js';

const MAX_HOURS = 100_000;
const RECENT_HOURS = 24;

const EVENT_ROWS =
  'Each session contributes its connection event and, once closed, its ' +
  'disconnection event (a <missing event> side is none), plus the standalone ' +
  'events; newest first, a disconnection before a connection of the same instant.';

function readHours(text: string): number {
  const hours = Number(text);
  if (!/^\d{1,6}$/.test(text) || hours < 1 || hours > MAX_HOURS) {
    throw invalidField('hours', text, `expected a whole number of hours from 1 to ${MAX_HOURS}`);
  }
  return hours;
}

const listEventsRoute: FastifyPluginAsyncTypebox = async (app) => {
  function lastHours(hours: number): Window {
    const now = app.clock();
    return { from: addMinutes(now, -60 * hours), to: addMinutes(now, MAX_FUTURE_MINUTES) };
  }

  async function reply(window: Window | undefined, mac?: string) {
    const zone = app.config.TIMEZONE;
    const rows = await listEvents(app.database.db, { window, filter: 'all', mac });
    return { success: true as const, events: rows.map((row) => toSessionEventResponse(row, zone)) };
  }

  const response = { 200: refTo(EventListResponseSchema), ...errorResponses(400, 401, 503) };

  app.get('/events', {
    schema: {
      tags: ['events'],
      summary: 'All events, or one device\'s',
      description: `Lists every event, or the events of mac. ${EVENT_ROWS}`,
      querystring: MacQuerySchema,
      response,
    },
  }, async (request) => {
    const { mac } = request.query;
    return reply(undefined, mac === undefined ? undefined : readMac('mac', mac));
  });

  app.get('/events/recent', {
    schema: {
      tags: ['events'],
      summary: 'Events of the last 24 hours',
      description: `Lists the events of the last 24 hours. ${EVENT_ROWS}`,
      response,
    },
  }, async () => reply(lastHours(RECENT_HOURS)));

  app.get('/events/:hours', {
    schema: {
      tags: ['events'],
      summary: 'Events of the last N hours',
      description: `Lists the events of the last N hours. ${EVENT_ROWS}`,
      params: EventHoursParamsSchema,
      response,
    },
  }, async (request) => reply(lastHours(readHours(request.params.hours))));
};

export default listEventsRoute;
