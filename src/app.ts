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
import secureJson from 'secure-json-parse';
import type { DatabaseHandle } from '../db/connect.js';
import { ErrorResponseSchema } from '../schemas/errors.js';
import {
  CreateEventBodySchema,
  CreateEventResponseSchema,
  EventListResponseSchema,
  NetAlertXResponseSchema,
  ScanBodySchema,
  ScanEventSchema,
  ScanResponseSchema,
  TotalsResponseSchema,
} from '../schemas/events.js';
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
import { badRequest } from './errors.js';
import { maskSecret, redactUrl } from './redact.js';
import auth from './plugins/auth.js';
import database from './plugins/database.js';
import errors, { clientErrorHandler, frameworkErrorHandler } from './plugins/errors.js';
import health from './plugins/health.js';
import openapi from './plugins/openapi.js';
import retention from './plugins/retention.js';
import eventRoutes from './routes/events/index.js';
import sessionRoutes from './routes/sessions/index.js';
import { type Instant, nowInstant } from './sessions/time.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** The current instant; tests replace it to pin "now". */
    clock: () => Instant;
    /**
     * Tells whether Node.js and the database give TIMEZONE the same rules.
     * When they do not, no list mixes items rendered by both.
     */
    zoneRulesAgree: boolean;
  }
}

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  /** The pino logger; one at LOG_LEVEL by default. */
  logger?: Logger;
  clock?: () => Instant;
  /** Whether Node.js and the database give TIMEZONE the same rules; true when unset. */
  zoneRulesAgree?: boolean;
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
  CreateEventBodySchema,
  CreateEventResponseSchema,
  EventListResponseSchema,
  TotalsResponseSchema,
  ScanBodySchema,
  ScanEventSchema,
  ScanResponseSchema,
  NetAlertXResponseSchema,
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

/** Logs a request as Fastify does, with the token and secret query values masked. */
function serializeRequest(this: void, request: FastifyRequest, token: string | undefined) {
  return {
    method: request.method,
    url: maskSecret(redactUrl(request.url), token),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * Parses a JSON body. An empty body counts as no body, so a DELETE that
 * names the device in its query string may still send a JSON content type.
 * Keys that would change object prototypes are rejected.
 */
function parseJsonBody(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const text = body.toString();
  if (text.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(null, secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' }));
  } catch (error) {
    const forbidden = /forbidden prototype property/.test((error as Error).message);
    done(badRequest(forbidden
      ? 'The request body contains a __proto__ or constructor.prototype key: remove it.'
      : 'The request body is not valid JSON.'));
  }
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
    // Node would reject a request without Host with a bare 400 outside the envelope.
    http: { requireHostHeader: false },
    routerOptions: { querystringParser: parseQueryString },
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
    // No type coercion: a number or array where the schema expects a string is a 400.
    ajv: { customOptions: { allErrors: false, coerceTypes: false } },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    childLoggerFactory: (logger, bindings, options) =>
      logger.child(bindings, {
        ...options,
        serializers: {
          ...options.serializers,
          req: (request: FastifyRequest) => serializeRequest(request, config.API_TOKEN),
        },
      }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are JSON only; any other content type is a 415.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.decorate('config', config);
  app.decorate('clock', options.clock ?? nowInstant);
  app.decorate('zoneRulesAgree', options.zoneRulesAgree ?? true);
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
      // An OPTIONS request without Origin gets a normal reply, not a bad-preflight 400.
      strictPreflight: false,
    });
  }
  for (const schema of NAMED_SCHEMAS) app.addSchema(schema);
  await app.register(openapi);
  await app.register(errors);
  await app.register(database, { database: options.database });
  await app.register(auth, { token: config.API_TOKEN });
  await app.register(retention);

  await app.register(health);
  await app.register(sessionRoutes);
  await app.register(eventRoutes);
  return app;
}
