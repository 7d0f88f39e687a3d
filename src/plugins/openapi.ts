// The OpenAPI 3 document, generated from the route schemas with the named
// schemas as components, served at /openapi.json, and Swagger UI at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { probeLogLevel } from './log-level.js';

export const API_DESCRIPTION = [
  'Records when network devices connect to and disconnect from a network and',
  'serves that history to dashboards, calendars and generated clients.',
  'Follows the NetAlertX Sessions API. Instants without an offset are wall',
  'times in the service time zone (TIMEZONE); all output is rendered in it.',
  'Every error has the envelope {success: false, message, error}.',
].join(' ');

/** Operation extension: the request body may be left out. */
export const OPTIONAL_BODY = 'x-optional-body';

interface OpenApiDocument {
  paths?: Record<string, Record<string, Record<string, unknown>>>;
}

/**
 * Marks the request bodies of operations with OPTIONAL_BODY as optional,
 * because @fastify/swagger declares every body schema as required.
 */
function markOptionalBodies(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      if (!operation[OPTIONAL_BODY]) continue;
      delete operation[OPTIONAL_BODY];
      const body = operation.requestBody as { required?: boolean } | undefined;
      if (body) body.required = false;
    }
  }
  return document;
}

async function openapiPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Sessions API', version: '0.1.0', description: API_DESCRIPTION },
      tags: [
        { name: 'sessions', description: 'Device sessions: create, delete and query' },
        { name: 'events', description: 'Device events that keep sessions, as a scanner reports them' },
        { name: 'service', description: 'Probes for orchestrators' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'The API_TOKEN the service was started with',
          },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    transformObject: (documentObject) => markOptionalBodies(
      (documentObject as { openapiObject: OpenApiDocument }).openapiObject,
    ),
    // Components are named by their $id instead of def-0, def-1, ...
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) =>
        typeof json.$id === 'string' ? json.$id : `def-${index}`,
    },
  });

  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', {
    config: { public: true },
    logLevel: probeLogLevel(app.log),
    schema: { hide: true },
  }, async () => app.swagger());
}

export default fp(openapiPlugin, { name: 'openapi' });
