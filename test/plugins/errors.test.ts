import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers.js';

type Method = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';

interface BadRequest {
  name: string;
  method: Method;
  url: string;
  contentType?: string;
  payload?: string;
  status: number;
  error: string;
}

const JSON_TYPE = 'application/json';
const MIB = 1024 * 1024;

const validBody = {
  mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
  start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
};

/** Builds a create body of exactly `bytes` bytes by padding additional_info. */
function bodyOfSize(bytes: number): string {
  const empty = JSON.stringify({ ...validBody, additional_info: '' });
  return JSON.stringify({ ...validBody, additional_info: 'x'.repeat(bytes - empty.length) });
}

const BAD_REQUESTS: BadRequest[] = [
  {
    name: 'create body over 1 MiB', method: 'POST', url: '/sessions/create',
    contentType: JSON_TYPE, payload: bodyOfSize(MIB + 1), status: 413, error: 'payload_too_large',
  },
  {
    name: 'delete body over 1 MiB', method: 'DELETE', url: '/sessions/delete',
    contentType: JSON_TYPE, payload: JSON.stringify({ mac: 'x'.repeat(MIB) }),
    status: 413, error: 'payload_too_large',
  },
  {
    name: 'create text/plain body', method: 'POST', url: '/sessions/create',
    contentType: 'text/plain', payload: JSON.stringify(validBody),
    status: 415, error: 'unsupported_media_type',
  },
  {
    name: 'delete text/plain body', method: 'DELETE', url: '/sessions/delete',
    contentType: 'text/plain', payload: 'AA:BB:CC:DD:EE:FF',
    status: 415, error: 'unsupported_media_type',
  },
  {
    name: 'create form body', method: 'POST', url: '/sessions/create',
    contentType: 'application/x-www-form-urlencoded', payload: 'mac=AA:BB:CC:DD:EE:FF',
    status: 415, error: 'unsupported_media_type',
  },
  {
    name: 'create body without content type', method: 'POST', url: '/sessions/create',
    payload: JSON.stringify(validBody), status: 415, error: 'unsupported_media_type',
  },
  {
    name: 'create malformed JSON', method: 'POST', url: '/sessions/create',
    contentType: JSON_TYPE, payload: '{"mac": "AA:BB:CC:DD:EE:FF", ',
    status: 400, error: 'bad_request',
  },
  {
    name: 'delete malformed JSON', method: 'DELETE', url: '/sessions/delete',
    contentType: JSON_TYPE, payload: '{mac: AA}', status: 400, error: 'bad_request',
  },
  {
    name: 'create empty JSON body', method: 'POST', url: '/sessions/create',
    contentType: JSON_TYPE, payload: '', status: 400, error: 'bad_request',
  },
  {
    name: 'create JSON array', method: 'POST', url: '/sessions/create',
    contentType: JSON_TYPE, payload: JSON.stringify([validBody]), status: 400, error: 'bad_request',
  },
  {
    name: 'create JSON null', method: 'POST', url: '/sessions/create',
    contentType: JSON_TYPE, payload: 'null', status: 400, error: 'bad_request',
  },
  {
    name: 'create JSON string', method: 'POST', url: '/sessions/create',
    contentType: JSON_TYPE, payload: '"AA:BB:CC:DD:EE:FF"', status: 400, error: 'bad_request',
  },
  {
    name: 'delete JSON array', method: 'DELETE', url: '/sessions/delete',
    contentType: JSON_TYPE, payload: '["AA:BB:CC:DD:EE:FF"]', status: 400, error: 'bad_request',
  },
  {
    name: 'delete JSON string', method: 'DELETE', url: '/sessions/delete',
    contentType: JSON_TYPE, payload: '"AA:BB:CC:DD:EE:FF"', status: 400, error: 'bad_request',
  },
  {
    name: 'path not percent-encoded', method: 'GET', url: '/sessions/%zz',
    status: 400, error: 'bad_request',
  },
  {
    name: 'path with cut UTF-8 escape', method: 'GET', url: '/sessions/%E0%A4%A',
    status: 400, error: 'bad_request',
  },
  {
    name: 'unknown route', method: 'GET', url: '/no/such/route',
    status: 404, error: 'not_found',
  },
  {
    name: 'unknown route under /sessions', method: 'GET', url: '/sessions/list/extra',
    status: 404, error: 'not_found',
  },
  {
    name: 'PUT on /sessions/list', method: 'PUT', url: '/sessions/list',
    status: 404, error: 'not_found',
  },
  {
    name: 'PATCH on /sessions/create', method: 'PATCH', url: '/sessions/create',
    contentType: JSON_TYPE, payload: JSON.stringify(validBody), status: 404, error: 'not_found',
  },
  {
    name: 'DELETE on /health', method: 'DELETE', url: '/health',
    status: 404, error: 'not_found',
  },
];

// Text that would show a stack trace, SQL or a message of the pg driver,
// PGlite or Postgres in a response body.
const LEAKS: Array<[string, RegExp]> = [
  ['stack property', /stack/i],
  ['stack frame', /\bat [^\s]+ \(|\bat [^\s]*:\d+:\d+|\n\s+at /],
  ['source path', /node_modules|\.ts:\d+|\.js:\d+/],
  ['SQL keyword SELECT', /SELECT/],
  ['SQL keyword select', /select /],
  ['SQL statement', /\b(insert into|delete from|update \w+ set|tstzrange)\b/i],
  ['pg driver name', /\bpg\b|pglite|postgres/i],
  ['SQLSTATE', /\b(23P01|23505|22021|22P02)\b/],
  ['Postgres message', /violates|invalid byte sequence|invalid input syntax|relation "|column "/i],
  ['Postgres encoding', /UTF8|0x00/],
];

interface ErrorResponse {
  name: string;
  status: number;
  contentType: string | undefined;
  text: string;
}

const responses: ErrorResponse[] = [];

const app = await buildTestApp(t);

async function inject(request: Omit<BadRequest, 'name' | 'status' | 'error'>) {
  return app.inject({
    method: request.method,
    url: request.url,
    headers: request.contentType ? { 'content-type': request.contentType } : {},
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  });
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function checkEnvelope(t: Test, name: string, text: string): void {
  const json = parse(text);
  t.equal(json?.success, false, `${name} success`);
  t.type(json?.message, 'string', `${name} message`);
  t.type(json?.error, 'string', `${name} error`);
  t.same(Object.keys(json ?? {}).sort(), ['error', 'message', 'success'], `${name} keys`);
}

t.test('bad requests get fitting status', async (t) => {
  for (const request of BAD_REQUESTS) {
    const response = await inject(request);
    responses.push({
      name: request.name,
      status: response.statusCode,
      contentType: response.headers['content-type'] as string | undefined,
      text: response.body,
    });
    t.equal(response.statusCode, request.status, `${request.name} status`);
    t.equal(parse(response.body)?.error, request.error, `${request.name} error`);
  }
});

t.test('body of 1 MiB not too large', async (t) => {
  const response = await inject({
    method: 'POST', url: '/sessions/create', contentType: JSON_TYPE, payload: bodyOfSize(MIB),
  });
  t.equal(Buffer.byteLength(bodyOfSize(MIB)), MIB, 'body is exactly 1 MiB');
  // additional_info is far over 250 characters, so validation rejects it.
  t.equal(response.statusCode, 400, 'status');
});

t.test('NUL in text fields is a 400', async (t) => {
  // A NUL character passes the JSON schema, but a Postgres text column cannot
  // store it, so it must not reach the database as a driver error.
  const cases = [
    { field: 'additional_info', body: { ...validBody, additional_info: 'rack\u00002' } },
    { field: 'event_type_conn', body: { ...validBody, event_type_conn: 'Wi\u0000Fi' } },
    { field: 'event_type_disc', body: { ...validBody, event_type_disc: 'Left\u0000' } },
  ];
  for (const { field, body } of cases) {
    const name = `NUL in ${field}`;
    const response = await inject({
      method: 'POST', url: '/sessions/create', contentType: JSON_TYPE,
      payload: JSON.stringify({ ...body, mac: 'AA:BB:CC:DD:EE:01' }),
    });
    responses.push({
      name,
      status: response.statusCode,
      contentType: response.headers['content-type'] as string | undefined,
      text: response.body,
    });
    t.equal(response.statusCode, 400, `${name} status`);
    t.match(parse(response.body)?.message ?? '', field, `${name} message names the field`);
  }
});

t.test('errors share one envelope', async (t) => {
  t.ok(responses.length > 0, 'error responses were collected');
  for (const response of responses) {
    checkEnvelope(t, response.name, response.text);
    t.match(response.contentType ?? '', /^application\/json/, `${response.name} content type`);
  }
});

t.test('errors reveal no internals', async (t) => {
  t.ok(responses.length > 0, 'error responses were collected');
  for (const response of responses) {
    for (const [leak, pattern] of LEAKS) {
      t.notMatch(response.text, pattern, `${response.name} has no ${leak}`);
    }
  }
});

t.test('no bad request is a 500', async (t) => {
  t.ok(responses.length > 0, 'error responses were collected');
  for (const response of responses) {
    t.ok(response.status < 500, `${response.name} status ${response.status} is below 500`);
  }
});
