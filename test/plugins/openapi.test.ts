import SwaggerParser from '@apidevtools/swagger-parser';
import t from 'tap';
import { buildTestApp, send } from '../helpers.js';

const SESSION_PATHS = [
  '/sessions/create',
  '/sessions/delete',
  '/sessions/list',
  '/sessions/calendar',
  '/sessions/{mac}',
  '/sessions/session-events',
];
const SERVICE_PATHS = ['/health', '/ready'];
const NAMED_COMPONENTS = ['Session', 'CalendarItem', 'SessionEvent', 'ErrorResponse',
  'CreateSessionBody'];
const ERROR_REF = '#/components/schemas/ErrorResponse';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Error statuses each operation can return besides 400, 401 and 500. */
const EXTRA_ERRORS: Record<string, string[]> = {
  'post /sessions/create': ['409', '413', '415', '503'],
  'delete /sessions/delete': ['413', '415', '503'],
  'get /sessions/list': ['503'],
  'get /sessions/calendar': ['503'],
  'get /sessions/{mac}': ['503'],
  'get /sessions/session-events': ['503'],
  'get /ready': ['503'],
};

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: unknown[];
  requestBody?: { required?: boolean };
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

const app = await buildTestApp(t);
const response = await send(app, 'GET', '/openapi.json');
const doc = response.json;

function operations(): Array<[string, string, Operation]> {
  const list: Array<[string, string, Operation]> = [];
  for (const [path, item] of Object.entries<Record<string, Operation>>(doc?.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) list.push([method, path, operation]);
    }
  }
  return list;
}

t.test('document served as JSON', async (t) => {
  t.equal(response.status, 200, 'status');
  t.match(String(response.headers['content-type']), /^application\/json/, 'content type');
  t.type(doc, 'object', 'body is a JSON object');
});

t.test('document is valid OpenAPI 3', async (t) => {
  t.match(doc.openapi, /^3\.\d+\.\d+$/, 'openapi version');
  await t.resolves(SwaggerParser.validate(structuredClone(doc)), 'swagger-parser validates it');
});

t.test('document lists every route', async (t) => {
  for (const path of [...SESSION_PATHS, ...SERVICE_PATHS]) {
    t.ok(doc.paths[path], `${path} listed`);
  }
  t.notOk(doc.paths['/sessions/:mac'], 'no Fastify-style path parameter');
});

t.test('operations tagged and described', async (t) => {
  t.ok(operations().length >= 8, 'operations found');
  for (const [method, path, operation] of operations()) {
    const name = `${method} ${path}`;
    t.ok(operation.tags?.length, `${name} has a tag`);
    t.ok(operation.summary?.trim(), `${name} has a summary`);
    t.ok(operation.description?.trim(), `${name} has a description`);
  }
});

t.test('tags are declared', async (t) => {
  const declared = new Set((doc.tags ?? []).map((tag: { name: string }) => tag.name));
  for (const [method, path, operation] of operations()) {
    for (const tag of operation.tags ?? []) {
      t.ok(declared.has(tag), `${method} ${path} tag ${tag} declared`);
    }
  }
});

t.test('operations declare their responses', async (t) => {
  for (const [method, path, operation] of operations()) {
    const name = `${method} ${path}`;
    const hasInput = (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
    const errors = ['500'];
    if (hasInput) errors.push('400');
    if (SESSION_PATHS.includes(path)) errors.push('401');
    errors.push(...(EXTRA_ERRORS[`${method} ${path}`] ?? []));

    t.ok(operation.responses['200'], `${name} declares 200`);
    for (const status of errors) {
      const schema = operation.responses[status]?.content?.['application/json']?.schema;
      t.equal(schema?.$ref, ERROR_REF, `${name} declares ${status} as ErrorResponse`);
    }
  }
});

t.test('components have their names', async (t) => {
  const names = Object.keys(doc.components?.schemas ?? {});
  for (const name of NAMED_COMPONENTS) {
    t.ok(names.includes(name), `${name} is a component`);
  }
  t.same(names.filter((name) => /^def-\d+$/.test(name)), [], 'no def-N component names');
});

t.test('bearer security scheme declared', async (t) => {
  const schemes = Object.entries<{ type?: string; scheme?: string }>(
    doc.components?.securitySchemes ?? {},
  );
  const bearer = schemes.filter(([, scheme]) =>
    scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer');
  t.equal(bearer.length, 1, 'one http bearer scheme');
  const bearerName = bearer[0]?.[0] ?? '';

  for (const [method, path, operation] of operations()) {
    if (!SESSION_PATHS.includes(path)) continue;
    const security = operation.security ?? doc.security ?? [];
    const names = security.flatMap((requirement: Record<string, string[]>) =>
      Object.keys(requirement));
    t.ok(names.includes(bearerName), `${method} ${path} requires the bearer scheme`);
  }
});

t.test('probes need no security', async (t) => {
  for (const path of SERVICE_PATHS) {
    t.same(doc.paths[path]?.get?.security, [], `${path} security is empty`);
  }
});

t.test('delete body optional in document', async (t) => {
  // DELETE /sessions/delete also takes the MAC from ?mac= without a body.
  const operation: Operation = doc.paths['/sessions/delete']?.delete;
  t.not(operation?.requestBody?.required, true, 'request body not required');
  const query = (operation?.parameters ?? []) as Array<{ in: string; name: string }>;
  t.ok(query.some((parameter) => parameter.in === 'query' && parameter.name === 'mac'),
    'mac query parameter declared');
});

t.test('docs serve Swagger UI', async (t) => {
  let page = await send(app, 'GET', '/docs');
  const location = page.headers.location;
  if (page.status >= 300 && page.status < 400 && typeof location === 'string') {
    page = await send(app, 'GET', new URL(location, 'http://localhost/docs').pathname);
  }
  t.equal(page.status, 200, 'status');
  t.match(String(page.headers['content-type']), /^text\/html/, 'content type');
  t.match(page.text, /swagger-ui/i, 'page loads Swagger UI');
});
