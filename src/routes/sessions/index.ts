// The /sessions routes. Fastify's router prefers the static paths
// (list, calendar, session-events, totals) over /sessions/:mac in any order.
import type { FastifyInstance } from 'fastify';
import calendarRoute from './calendar.js';
import createRoute from './create.js';
import deleteRoute from './delete.js';
import deviceRoute from './device.js';
import listRoute from './list.js';
import sessionEventsRoute from './session-events.js';
import totalsRoute from './totals.js';

export default async function sessionRoutes(app: FastifyInstance): Promise<void> {
  await app.register(createRoute);
  await app.register(deleteRoute);
  await app.register(listRoute);
  await app.register(calendarRoute);
  await app.register(sessionEventsRoute);
  await app.register(totalsRoute);
  await app.register(deviceRoute);
}
