// Probe routes for orchestrators: /health reports that the process is up and
// /ready that the database responds. Both are public and logged only on failure.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../schemas/errors.js';
import { HealthResponseSchema, ReadyResponseSchema } from '../../schemas/service.js';
import { refTo } from '../../schemas/ref.js';
import { ApiError } from '../errors.js';
import { probeLogLevel } from './log-level.js';

const healthPlugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    config: { public: true },
    logLevel: probeLogLevel(app.log),
    schema: {
      tags: ['service'],
      summary: 'Process liveness',
      description: 'Returns 200 while the process runs. Needs no token.',
      security: [],
      response: { 200: refTo(HealthResponseSchema), ...errorResponses() },
    },
  }, async () => ({ success: true as const, status: 'ok' as const }));

  app.get('/ready', {
    config: { public: true },
    logLevel: probeLogLevel(app.log),
    schema: {
      tags: ['service'],
      summary: 'Database readiness',
      description: 'Returns 200 when the database responds to a query, else 503. Needs no token.',
      security: [],
      response: { 200: refTo(ReadyResponseSchema), ...errorResponses(503) },
    },
  }, async (request) => {
    try {
      await app.database.ping();
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      throw new ApiError(503, 'database_unavailable',
        'The database is unavailable: retry in a few seconds.');
    }
    return { success: true as const, status: 'ready' as const, database: app.database.kind };
  });
};

export default healthPlugin;
