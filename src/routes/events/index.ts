// The /events routes. /events/recent wins over /events/:hours.
import type { FastifyInstance } from 'fastify';
import createEventRoute from './create.js';
import listEventsRoute from './list.js';
import netalertxRoute from './netalertx.js';
import scanRoute from './scan.js';

export default async function eventRoutes(app: FastifyInstance): Promise<void> {
  await app.register(createEventRoute);
  await app.register(listEventsRoute);
  await app.register(scanRoute);
  await app.register(netalertxRoute);
}
