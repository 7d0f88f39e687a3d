// Bearer-token authentication. With API_TOKEN set every route needs
// `Authorization: Bearer <token>` except the public ones (health, readiness,
// the OpenAPI document and Swagger UI) and CORS preflight requests.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Serves the route without the bearer token. */
    public?: boolean;
  }
}

export interface AuthOptions {
  token: string | undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

function isPublic(request: FastifyRequest): boolean {
  if (request.method === 'OPTIONS') return true;
  const route = request.routeOptions;
  // Unknown routes reach the not-found handler, which reveals nothing.
  if (route.url === undefined) return true;
  return route.config.public === true || route.url.startsWith('/docs');
}

async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const { token } = options;
  if (!token) return;
  // Comparing digests of equal length keeps the comparison constant-time.
  const expected = digest(token);

  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request)) return;
    const presented = bearerToken(request);
    if (presented !== null && timingSafeEqual(digest(presented), expected)) return;
    reply.header('www-authenticate', 'Bearer');
    throw new ApiError(401, 'unauthorized', presented === null
      ? 'Missing bearer token: send the header Authorization: Bearer <API_TOKEN>.'
      : 'Invalid bearer token: send the API_TOKEN the service was started with.');
  });
}

export default fp(authPlugin, { name: 'auth' });
