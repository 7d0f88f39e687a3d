// One error handler for the whole service: every failure, Fastify's own 4xx
// included, becomes the JSON envelope {success: false, message, error}.
// Unexpected errors are logged with the request id and returned without detail.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from '../../db/connect.js';
import { ApiError, type ErrorCode, quoteValue } from '../errors.js';
import { containsSecret } from '../redact.js';

interface ErrorReply {
  statusCode: number;
  code: ErrorCode;
  message: string;
}

interface ValidationItem {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

const CONTEXT_NAMES: Record<string, string> = {
  body: 'body field',
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
};

function valueAt(source: unknown, path: string): unknown {
  let value = source;
  for (const key of path.split('/').filter(Boolean)) {
    value = (value as Record<string, unknown> | undefined)?.[key];
  }
  return value;
}

/** Phrases the first schema violation with the field, the value and the rule. */
function describeValidation(error: FastifyError, request: FastifyRequest): string {
  const context = error.validationContext ?? 'body';
  const first = (error.validation as ValidationItem[] | undefined)?.[0];
  const where = CONTEXT_NAMES[context] ?? context;
  if (!first) return `Invalid ${where}.`;
  const field = first.instancePath.split('/').filter(Boolean).join('.');
  const source = context === 'querystring'
    ? request.query
    : (request as unknown as Record<string, unknown>)[context];
  if (first.keyword === 'required') {
    return `Missing ${where} ${first.params.missingProperty}: it is required.`;
  }
  if (!field) {
    return context === 'body'
      ? 'Invalid body: expected a JSON object.'
      : `Invalid ${context}: ${first.message}.`;
  }
  const value = quoteValue(valueAt(source, first.instancePath));
  if (first.keyword === 'enum') {
    const allowed = (first.params.allowedValues as unknown[]).join(', ');
    return `Invalid ${where} ${field} ${value}: expected one of ${allowed}.`;
  }
  return `Invalid ${where} ${field} ${value}: ${first.message}.`;
}

// Fastify's own client errors keep their status; these get a clearer message.
const FASTIFY_MESSAGES: Record<string, (error: FastifyError) => ErrorReply> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => ({
    statusCode: 413, code: 'payload_too_large',
    message: 'The request body is larger than 1 MiB: send a smaller body.',
  }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => ({
    statusCode: 415, code: 'unsupported_media_type',
    message: 'Unsupported content type: send the body as application/json.',
  }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ({
    statusCode: 400, code: 'bad_request',
    message: 'The body is empty although Content-Type is application/json: send a JSON object.',
  }),
  FST_ERR_CTP_INVALID_JSON_BODY: () => ({
    statusCode: 400, code: 'bad_request',
    message: 'The request body is not valid JSON.',
  }),
};

// SQLSTATEs that input can still cause after validation; the driver text is
// never sent because it can contain SQL.
function fromDatabaseError(code: string): ErrorReply | null {
  if (code === '23P01' || code === '23505') {
    return {
      statusCode: 409, code: 'conflict',
      message: 'The session conflicts with a stored session of this device.',
    };
  }
  if (code.startsWith('22') || code === '23514') {
    return {
      statusCode: 400, code: 'invalid_value',
      message: 'A value was rejected by the database as invalid or out of range: ' +
        'check the addresses, instants and text lengths.',
    };
  }
  return null;
}

export function toErrorReply(error: FastifyError, request: FastifyRequest): ErrorReply {
  // A client that hangs up mid-body is no database failure, whatever its code.
  if (request.raw.aborted || (request.raw.destroyed && !request.raw.complete)) {
    return {
      statusCode: 400, code: 'bad_request',
      message: 'The client closed the connection before the request body was complete.',
    };
  }
  if (error instanceof ApiError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message };
  }

  if (error.validation) {
    return { statusCode: 400, code: 'bad_request', message: describeValidation(error, request) };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      statusCode: 503, code: 'database_unavailable',
      message: 'The database is unavailable: retry in a few seconds.',
    };
  }
  const fromDatabase = typeof error.code === 'string' ? fromDatabaseError(error.code) : null;
  if (fromDatabase) return fromDatabase;

  const fastifyMessage = FASTIFY_MESSAGES[error.code];
  if (fastifyMessage) return fastifyMessage(error);
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return FASTIFY_MESSAGES.FST_ERR_CTP_INVALID_JSON_BODY!(error);
  }

  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { statusCode: status, code: 'bad_request', message: error.message };
  }
  return {
    statusCode: 500, code: 'internal_error',
    message: `Internal error: the service log has the details under request id ${request.id}.`,
  };
}

/**
 * Returns the router's own errors (a path that is not valid percent-encoding,
 * a path parameter over the length limit) with the envelope too.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const statusCode = error.statusCode ?? 400;
  request.log.info({ statusCode, code: error.code }, 'request rejected');
  const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? 'A path parameter is too long: a MAC has at most 17 characters.'
    : 'The URL path is not valid percent-encoded text.';
  return sendError(reply, { statusCode, code: 'bad_request', message });
}

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request line or headers are too large: send a shorter URL.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request timed out before it was complete.'],
};

/**
 * Writes the envelope for requests that Node's HTTP parser rejects before
 * they reach Fastify: malformed request lines or headers, and headers over
 * the size limit.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [statusCode, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400,
    'The request is not valid HTTP: check the URL encoding and the headers.'];
  const body = JSON.stringify({ success: false, message, error: 'bad_request' });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n' + body);
  }
  socket.destroy(error);
}

function sendError(reply: FastifyReply, body: ErrorReply): FastifyReply {
  return reply
    .status(body.statusCode)
    .send({ success: false, message: body.message, error: body.code });
}

async function errorsPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = toErrorReply(error, request);
    if (body.statusCode >= 500) {
      request.log.error({ err: error, statusCode: body.statusCode }, 'request failed');
    } else {
      // A message quotes request values, cut to 80 characters, and a client may
      // send the token as one: such a reason is not logged at all.
      const token = app.config.API_TOKEN;
      const leaks = containsSecret(request.url, token)
        || containsSecret(JSON.stringify(request.body ?? ''), token);
      const reason = leaks ? '[withheld: the request contains the API token]' : body.message;
      request.log.info({ statusCode: body.statusCode, error: body.code, reason },
        'request rejected');
    }
    return sendError(reply, body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    request.log.info({ statusCode: 404 }, 'route not found');
    return sendError(reply, {
      statusCode: 404, code: 'not_found',
      message: `Route ${request.method} ${path} not found: the API is described at /openapi.json.`,
    });
  });
}

export default fp(errorsPlugin, { name: 'errors' });
