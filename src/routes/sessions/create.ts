import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { refTo } from '../../../schemas/ref.js';
import {
  CreateSessionBodySchema,
  CreateSessionResponseSchema,
} from '../../../schemas/sessions.js';
import { invalidField } from '../../errors.js';
import { toSessionResponse } from '../../sessions/format.js';
import { readIp, readMac, readRecordedInstant, readText } from '../../sessions/input.js';
import type { NewSession } from '../../sessions/repository.js';
import { createSession } from '../../sessions/service.js';

const createRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/sessions/create', {
    schema: {
      tags: ['sessions'],
      summary: 'Create a session',
      description: [
        'Stores one session of a device. Without end_time the session is open.',
        'Bounds are half-open, so a session may start where another ended.',
        'A device never has two overlapping sessions: an overlap with a closed',
        'session is a 409 naming it. A session that starts after the device\'s',
        'open session began closes that one at its start, with disconnection',
        'type <missing event>; any other overlap with an open session is a 409.',
        'An exact repeat (same device, bounds, IP, connection type and, when',
        'closed, disconnection type) returns 200 and stores nothing new.',
      ].join(' '),
      body: refTo(CreateSessionBodySchema),
      response: {
        200: refTo(CreateSessionResponseSchema),
        ...errorResponses(400, 401, 409, 413, 415, 503),
      },
    },
  }, async (request) => {
    const zone = app.config.TIMEZONE;
    const now = app.clock();
    const body = request.body;
    const start = readRecordedInstant('start_time', body.start_time, zone, now);
    const end = body.end_time === undefined
      ? null
      : readRecordedInstant('end_time', body.end_time, zone, now);
    if (end !== null && end <= start) {
      throw invalidField('end_time', body.end_time, 'it must be later than start_time');
    }
    const session: NewSession = {
      mac: readMac('mac', body.mac),
      ip: readIp('ip', body.ip),
      start,
      end,
      connectionType: readText('event_type_conn', body.event_type_conn ?? 'Connected'),
      disconnectionType: end === null
        ? null
        : readText('event_type_disc', body.event_type_disc ?? 'Disconnected'),
      additionalInfo: readText('additional_info', body.additional_info ?? ''),
    };

    const result = await createSession(app.database.db, session, zone);
    request.log.info({ mac: session.mac, sessionId: result.session.id,
      outcome: result.outcome, closedSessionId: result.closed?.id }, 'session stored');

    return {
      success: true as const,
      message: `Session created for MAC ${session.mac}`,
      session: toSessionResponse(result.session, zone, app.clock()),
    };
  });
};

export default createRoute;
