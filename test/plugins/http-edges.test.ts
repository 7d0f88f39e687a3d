// Requests at the edges of HTTP and JSON, sent over a real loopback socket
// where Node's parser or a hung-up client is involved.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import {
  fixedClock, openTestDatabase, randomMac, send, testConfig,
} from '../helpers.js';

const TOKEN = 'edge-token-0123456789abcdef';
const NOW = '2025-09-01T12:00:00Z';

const logLines: string[] = [];
const logStream = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

async function startApp(): Promise<{ app: FastifyInstance; port: number }> {
  const database = await openTestDatabase(t);
  const app = await buildApp({
    config: testConfig({ API_TOKEN: TOKEN, LOG_LEVEL: 'trace' }),
    database,
    logger: pino({ level: 'trace' }, logStream),
    clock: fixedClock(NOW),
  });
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}

const { app, port } = await startApp();
const auth = { authorization: `Bearer ${TOKEN}` };

/** Sends raw bytes and returns the whole response text once the server closes. */
function rawRequest(text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
    socket.end(text);
  });
}

function envelopeOf(response: string): Record<string, unknown> {
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  // A keep-alive response may be chunked: the JSON is the line that starts with {.
  const json = body.split('\r\n').find((line) => line.startsWith('{')) ?? body;
  return JSON.parse(json);
}

t.test('malformed request line gets envelope', async (t) => {
  const response = await rawRequest(
    Buffer.concat([Buffer.from('GET /sessions/list?mac='), Buffer.from([0x01]),
      Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
  );
  t.match(response, /^HTTP\/1\.1 400 /);
  t.match(response, /content-type: application\/json/i);
  t.equal(envelopeOf(response).success, false);
  t.equal(envelopeOf(response).error, 'bad_request');
});

t.test('oversized headers get 431 envelope', async (t) => {
  const response = await rawRequest(
    `GET /sessions/list?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  );
  t.match(response, /^HTTP\/1\.1 431 /);
  t.equal(envelopeOf(response).success, false);
});

t.test('aborted upload is not an outage', async (t) => {
  logLines.length = 0;
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST /sessions/create HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 100\r\n\r\n{"');
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 100);
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const text = logLines.join('');
  t.notMatch(text, /"statusCode":503/, 'no 503 is logged');
  t.notMatch(text, /database_unavailable/);
});

t.test('token never logged in other places', async (t) => {
  logLines.length = 0;
  await send(app, 'GET', `/sessions/list?bearer=${TOKEN}`);
  await send(app, 'GET', `/sessions/list?mac=${TOKEN}`, undefined, auth);
  await send(app, 'GET', `/sessions/${TOKEN}`);
  await send(app, 'GET', `/sessions/${encodeURIComponent(`${TOKEN}/`)}`);
  const text = logLines.join('');
  t.match(text, /incoming request/, 'requests were logged');
  t.notOk(text.includes(TOKEN), 'the token is masked');
});

t.test('non-string JSON values are rejected', async (t) => {
  const mac = randomMac();
  const valid = { mac, ip: '10.0.0.1', start_time: '2025-08-01T10:00:00' };
  const cases: Array<[string, unknown]> = [
    ['mac', 112233445566],
    ['mac', [mac]],
    ['ip', ['10.0.0.1']],
    ['start_time', 1754042400],
    ['event_type_conn', 123],
    ['additional_info', true],
    ['additional_info', null],
  ];
  for (const [field, value] of cases) {
    const response = await send(app, 'POST', '/sessions/create', { ...valid, [field]: value }, auth);
    t.equal(response.status, 400, `${field} ${JSON.stringify(value)} status`);
    t.match(response.json?.message, field, `${field} ${JSON.stringify(value)} message`);
  }
  const list = await send(app, 'GET', `/sessions/list?mac=${mac}`, undefined, auth);
  t.equal(list.json.sessions.length, 0, 'nothing was stored');

  const removal = await send(app, 'DELETE', '/sessions/delete', { mac: 112233445566 }, auth);
  t.equal(removal.status, 400, 'delete with a numeric mac');
});

t.test('prototype keys are named', async (t) => {
  for (const payload of ['{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']) {
    const response = await app.inject({
      method: 'POST', url: '/sessions/create', payload,
      headers: { ...auth, 'content-type': 'application/json' },
    });
    t.equal(response.statusCode, 400, payload);
    t.match(response.json().message, /__proto__ or constructor\.prototype/, payload);
  }
});

t.test('delete by query with JSON type', async (t) => {
  const mac = randomMac();
  const created = await send(app, 'POST', '/sessions/create',
    { mac, ip: '10.0.0.1', start_time: '2025-08-01T10:00:00' }, auth);
  t.equal(created.status, 200);
  const response = await app.inject({
    method: 'DELETE', url: `/sessions/delete?mac=${mac.toLowerCase()}`,
    headers: { ...auth, 'content-type': 'application/json' },
  });
  t.equal(response.statusCode, 200);
  t.equal(response.json().deleted, 1);

  const emptyMac = await send(app, 'DELETE', `/sessions/delete?mac=${mac}`, { mac: '' }, auth);
  t.equal(emptyMac.status, 200, 'an empty body mac counts as absent');
});

t.test('percent-encoded token never logged', async (t) => {
  logLines.length = 0;
  const encoded = [...TOKEN].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('');
  await send(app, 'GET', `/sessions/list?x=${encoded}`, undefined, auth);
  await send(app, 'GET', `/sessions/${encoded}`, undefined, auth);
  await send(app, 'POST', '/sessions/create',
    { mac: `${'A'.repeat(50)}${TOKEN}`, ip: '10.0.0.1', start_time: '2025-08-01T10:00:00' }, auth);
  const text = logLines.join('');
  t.match(text, /request rejected/, 'the rejections were logged');
  t.notOk(text.includes(TOKEN), 'the token is not in the log');
  t.notOk(text.includes(TOKEN.slice(0, 20)), 'no prefix of the token is in the log');
});

t.test('request without Host header', async (t) => {
  const response = await rawRequest(`GET /sessions/list HTTP/1.1\r\nConnection: close\r\n\r\n`);
  t.match(response, /^HTTP\/1\.1 401 /);
  t.equal(envelopeOf(response).error, 'unauthorized');
});
