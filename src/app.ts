// The application: Fastify with its options, external plugins, the service's
// own plugins, then the routes. It never listens, so tests build the same app.
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { type Logger, pino } from 'pino';
import type { DatabaseHandle } from '../db/connect.js';
import { ErrorResponseSchema } from '../schemas/errors.js';
import { HealthResponseSchema, ReadyResponseSchema } from '../schemas/service.js';
import {
  CalendarItemSchema,
  CalendarResponseSchema,
  CreateSessionBodySchema,
  CreateSessionResponseSchema,
  DeleteSessionsBodySchema,
  DeleteSessionsResponseSchema,
  SessionEventSchema,
  SessionEventsResponseSchema,
  SessionListResponseSchema,
  SessionSchema,
} from '../schemas/sessions.js';
import { type Config, corsOrigins, trustProxy } from './config.js';
import auth from './plugins/auth.js';
import database from './plugins/database.js';
import errors, { frameworkErrorHandler } from './plugins/errors.js';
import health from './plugins/health.js';
import openapi from './plugins/openapi.js';
import sessionRoutes from './routes/sessions/index.js';
import { type Instant, nowInstant } from './sessions/time.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** The current instant; tests replace it to pin "now". */
    clock: () => Instant;
  }
}

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  /** The pino logger; one at LOG_LEVEL by default. */
  logger?: Logger;
  clock?: () => Instant;
}

const NAMED_SCHEMAS = [
  ErrorResponseSchema,
  HealthResponseSchema,
  ReadyResponseSchema,
  SessionSchema,
  CalendarItemSchema,
  SessionEventSchema,
  CreateSessionBodySchema,
  CreateSessionResponseSchema,
  DeleteSessionsBodySchema,
  DeleteSessionsResponseSchema,
  SessionListResponseSchema,
  CalendarResponseSchema,
  SessionEventsResponseSchema,
];

/** Request ids from a reverse proxy are kept when they are short and plain. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Parses a query string so that the first value of a repeated key counts and
 * an empty value counts as absent. `+` decodes to a space.
 */
export function parseQueryString(text: string): Record<string, string> {
  const query: Record<string, string> = Object.create(null);
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (seen.has(key)) continue;
    seen.add(key);
    if (value !== '') query[key] = value;
  }
  return query;
}

/** Query parameters whose values are never logged, in case a client sends a secret. */
const SECRET_PARAMETER = /token|key|secret|password|auth/i;

/** Returns the URL with the values of secret-looking query parameters masked. */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const query = url.slice(start + 1).split('&').map((pair) => {
    const name = pair.split('=')[0] ?? '';
    return SECRET_PARAMETER.test(decodeURIComponentSafe(name)) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, start)}?${query.join('&')}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Logs a request as Fastify does, with secret query values masked. */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Creates the service's pino logger; the token header is never written. */
export function createLogger(config: Config): Logger {
  return pino({ level: config.LOG_LEVEL, redact: ['req.headers.authorization'] });
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    loggerInstance: (options.logger ?? createLogger(config)) as FastifyBaseLogger,
    // Fastify passes a hop count through to proxy-addr, although its types omit it.
    trustProxy: (trustProxy(config) ?? false) as boolean | string | string[],
    bodyLimit: 1024 * 1024,
    routerOptions: { querystringParser: parseQueryString },
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    ajv: { customOptions: { allErrors: false } },
    frameworkErrors: frameworkErrorHandler,
    childLoggerFactory: (logger, bindings, options) =>
      logger.child(bindings, {
        ...options,
        serializers: { ...options.serializers, req: serializeRequest },
      }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are JSON only; any other content type is a 415.
  app.removeContentTypeParser('text/plain');
  app.decorate('config', config);
  app.decorate('clock', options.clock ?? nowInstant);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const origins = corsOrigins(config);
  if (origins.length > 0) {
    await app.register(cors, {
      origin: origins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['X-Request-Id'],
      maxAge: 600,
    });
  }
  for (const schema of NAMED_SCHEMAS) app.addSchema(schema);
  await app.register(openapi);
  await app.register(errors);
  await app.register(database, { database: options.database });
  await app.register(auth, { token: config.API_TOKEN });

  await app.register(health);
  await app.register(sessionRoutes);
  return app;
}
