import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { NetAlertXResponseSchema } from '../../../schemas/events.js';
import { refTo } from '../../../schemas/ref.js';
import { eventsFromNetAlertX, importEvents } from '../../import/events-import.js';
import { parseNetAlertXWebhook } from '../../import/netalertx.js';

/** Skipped rows listed in a response; skippedCount counts them all. */
const MAX_LISTED_SKIPS = 100;

const netalertxRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/events/netalertx', {
    schema: {
      tags: ['events'],
      summary: 'Receive a NetAlertX webhook notification',
      description: [
        'Accepts the JSON body that NetAlertX\'s webhook publisher sends, so its',
        'webhook can point here. The new devices, down devices, reconnected devices',
        'and events in attachments[0].text are applied as POST /events/create would',
        'apply them, oldest first; naive times are wall times in TIMEZONE. Rows the',
        'history rejects are listed under skipped; the rest still apply.',
      ].join(' '),
      body: Type.Object({}, {
        additionalProperties: true,
        description: 'The webhook body: {username, text, attachments: [{text: {...}}]}',
      }),
      response: {
        200: refTo(NetAlertXResponseSchema),
        ...errorResponses(400, 401, 413, 415, 503),
      },
    },
  }, async (request) => {
    const zone = app.config.TIMEZONE;
    const parsed = parseNetAlertXWebhook(request.body);
    const { events, problems } = eventsFromNetAlertX(parsed.events, zone, app.clock());

    const report = await importEvents(app.database.db, events, zone);
    const skipped = [
      ...parsed.skipped.map(({ index, reason }) => ({ record: index, reason })),
      ...[...problems, ...report.problems].map(({ line, reason }) => ({ record: line, reason })),
    ].sort((a, b) => a.record - b.record);
    request.log.info({ events: events.length, skipped: skipped.length }, 'NetAlertX notification applied');

    return {
      success: true as const,
      message: 'NetAlertX notification applied',
      applied: report.applied,
      present: report.present,
      skippedCount: skipped.length,
      skipped: skipped.slice(0, MAX_LISTED_SKIPS),
    };
  });
};

export default netalertxRoute;
