import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { refTo } from '../../../schemas/ref.js';
import {
  DeleteSessionsBodySchema,
  DeleteSessionsResponseSchema,
  MacQuerySchema,
} from '../../../schemas/sessions.js';
import { missingField } from '../../errors.js';
import { OPTIONAL_BODY } from '../../plugins/openapi.js';
import { readMac } from '../../sessions/input.js';
import { deleteDeviceSessions } from '../../sessions/service.js';

const deleteRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.delete('/sessions/delete', {
    // A DELETE without a body names the device in the query string.
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags: ['sessions'],
      summary: 'Delete a device\'s sessions',
      description: 'Deletes every session of the device named by mac, in the JSON ' +
        'body or the query string (the body wins). deleted may be 0.',
      body: refTo(DeleteSessionsBodySchema),
      [OPTIONAL_BODY]: true,
      querystring: MacQuerySchema,
      response: {
        200: refTo(DeleteSessionsResponseSchema),
        ...errorResponses(400, 401, 413, 415, 503),
      },
    },
  }, async (request) => {
    // An empty mac counts as absent, as in query strings.
    const text = request.body?.mac || request.query.mac;
    if (text === undefined || text === '') {
      throw missingField('mac', 'send {"mac": "AA:BB:CC:DD:EE:FF"} as the body or ?mac=');
    }
    const mac = readMac('mac', text);

    const deleted = await deleteDeviceSessions(app.database.db, mac);
    request.log.info({ mac, deleted }, 'sessions deleted');

    return { success: true as const, message: `Deleted sessions for MAC ${mac}`, deleted };
  });
};

export default deleteRoute;
