import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { CreateEventBodySchema, CreateEventResponseSchema } from '../../../schemas/events.js';
import { refTo } from '../../../schemas/ref.js';
import { DeviceParamsSchema } from '../../../schemas/sessions.js';
import { invalidField } from '../../errors.js';
import { recordEvent } from '../../sessions/events.js';
import { toSessionResponse } from '../../sessions/format.js';
import { readIp, readMac, readRecordedInstant, readText } from '../../sessions/input.js';
import { MISSING_EVENT } from '../../sessions/repository.js';

const createEventRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/events/create/:mac', {
    schema: {
      tags: ['events'],
      summary: 'Record a device event',
      description: [
        'Records one event of a device and keeps its sessions, in one transaction',
        'per device. Connected, New Device and Down Reconnected open a session at',
        'event_time (closing an open one with <missing event>). Disconnected and',
        'Device Down close the open session; without one they record a session',
        'from the later of the previous disconnection and one hour before. A late',
        'disconnection inside a session that ended with <missing event> fills that',
        'end. Other types are standalone events. A repeat changes nothing; any other',
        'event older than the latest recorded bound that would change sessions is a 409.',
      ].join(' '),
      params: DeviceParamsSchema,
      body: refTo(CreateEventBodySchema),
      response: {
        200: refTo(CreateEventResponseSchema),
        ...errorResponses(400, 401, 409, 413, 415, 503),
      },
    },
  }, async (request) => {
    const zone = app.config.TIMEZONE;
    const now = app.clock();
    const { body } = request;
    const mac = readMac('mac', request.params.mac);
    const type = readText('event_type', body.event_type ?? 'Device Down');
    if (type === MISSING_EVENT) {
      throw invalidField('event_type', type, 'it is reserved for inferred session bounds');
    }

    const result = await recordEvent(app.database.db, {
      mac,
      ip: body.ip === undefined ? null : readIp('ip', body.ip),
      type,
      at: body.event_time === undefined
        ? now
        : readRecordedInstant('event_time', body.event_time, zone, now),
      additionalInfo: readText('additional_info', body.additional_info ?? ''),
      pendingAlert: body.pending_alert === true || body.pending_alert === 1,
      source: null,
    }, zone);
    request.log.info({ mac, eventType: type, effect: result.effect,
      sessionId: result.session?.id }, 'event recorded');

    return {
      success: true as const,
      message: `Event created for MAC ${mac}`,
      effect: result.effect,
      session: result.session ? toSessionResponse(result.session, zone, app.clock()) : null,
    };
  });
};

export default createEventRoute;
