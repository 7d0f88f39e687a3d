// Runs the real entry point, src/server.ts, as a child process and reads its
// JSON log lines from stdout.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createTestSchema, dropTestSchema, serverUrl } from './helpers.js';

const PROJECT_DIR = new URL('..', import.meta.url).pathname;
/** Generous limits: an embedded database takes seconds to create. */
const START_MS = 60_000;
const EXIT_MS = 30_000;

interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

type LogMatch = (line: LogLine) => boolean;

interface Server {
  child: ChildProcess;
  lines: LogLine[];
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  waitForLog: (description: string, match: LogMatch) => Promise<LogLine>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

const withMessage = (message: string): LogMatch => (line) => line.msg === message;

/** Spawns the server with only the given variables and PATH in its environment. */
function startServer(t: Teardown, env: Record<string, string>): Server {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: PROJECT_DIR,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  let stdout = '';
  let stderr = '';
  let partial = '';
  const lines: LogLine[] = [];
  const waiters: Array<{ match: LogMatch; resolve: (line: LogLine) => void }> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const texts = (partial + chunk).split('\n');
    partial = texts.pop() ?? '';
    for (const text of texts) {
      let line: LogLine;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      lines.push(line);
      for (const waiter of waiters.filter((item) => item.match(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);

  /** Resolves with the first line, logged already or later, that matches. */
  const waitForLog = (description: string, match: LogMatch) => {
    const logged = lines.find(match);
    if (logged) return Promise.resolve(logged);
    return new Promise<LogLine>((resolve, reject) => {
      const output = () => `stdout:\n${stdout}\nstderr:\n${stderr}`;
      const timer = setTimeout(() => reject(new Error(
        `The server did not log ${description} within ${START_MS} ms.\n${output()}`)), START_MS);
      waiters.push({ match, resolve: (line) => { clearTimeout(timer); resolve(line); } });
      exit.then(() => {
        clearTimeout(timer);
        reject(new Error(`The server exited before it logged ${description}.\n${output()}`));
      });
    });
  };
  return { child, lines, stdout: () => stdout, stderr: () => stderr, exit, waitForLog };
}

async function waitForExit(server: Server): Promise<number | null> {
  const timeout = new Promise<'timeout'>((resolve) => {
    setTimeout(resolve, EXIT_MS, 'timeout').unref();
  });
  const result = await Promise.race([server.exit, timeout]);
  if (result === 'timeout') throw new Error(`The server did not exit within ${EXIT_MS} ms.`);
  return result;
}

function freshDataDir(t: Teardown): string {
  const folder = mkdtempSync(join(tmpdir(), 'sessions-api-server-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

/** Opens a raw HTTP/1.1 connection. `done` resolves with the whole response. */
function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  let response = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    response += chunk;
  });
  const done = once(socket, 'close').then(() => response);
  return { socket, done };
}

const session = {
  mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
  start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
};

t.test('embedded server lifecycle', async (t) => {
  const dataDir = freshDataDir(t);
  const server = startServer(t, { DATA_DIR: dataDir, TIMEZONE: 'Europe/Berlin' });
  const listening = await server.waitForLog('"listening"', withMessage('listening'));
  const address = new URL(String(listening.address));

  await t.test('start-up log describes the service', async (t) => {
    t.match(listening.address, /^http:\/\/127\.0\.0\.1:\d+$/, 'address');
    t.not(address.port, '0', 'address has the chosen port');
    t.equal(listening.database, 'embedded', 'database kind');
    t.equal(listening.timeZone, 'Europe/Berlin', 'time zone');
    t.match(listening.auth, /off/, 'auth is off');
    t.match(listening.auth, /loopback/, 'auth names the loopback limit');
    t.match(listening.auth, /API_TOKEN/, 'auth names API_TOKEN');
  });

  await t.test('server answers on its address', async (t) => {
    const health = await fetch(new URL('/health', address));
    t.equal(health.status, 200, 'health status');
    const ready = await fetch(new URL('/ready', address));
    t.equal(ready.status, 200, 'ready status');
    t.equal(((await ready.json()) as { database?: string }).database, 'embedded', 'ready database');
  });

  await t.test('second server rejects used folder', async (t) => {
    const second = startServer(t, { DATA_DIR: dataDir });
    t.equal(await waitForExit(second), 1, 'exit code');
    t.match(second.stderr(), /in use/, 'message says the folder is in use');
    t.match(second.stderr(), dataDir, 'message names the folder');
    const health = await fetch(new URL('/health', address));
    t.equal(health.status, 200, 'first server still answers');
  });

  await t.test('SIGTERM lets request finish', async (t) => {
    const body = JSON.stringify(session);
    const head = [
      'POST /sessions/create HTTP/1.1',
      `Host: ${address.host}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      '', '',
    ].join('\r\n');
    // The body is held back until the server has begun to stop.
    const request = rawConnection(Number(address.port));
    request.socket.write(head);
    await server.waitForLog('the incoming create request', (line) =>
      line.msg === 'incoming request' &&
      (line.req as { url?: string } | undefined)?.url === '/sessions/create');
    server.child.kill('SIGTERM');
    await server.waitForLog('"stopping"', withMessage('stopping'));
    request.socket.end(body);

    const response = await request.done;
    t.match(response, /^HTTP\/1\.1 200 /, 'in-flight request gets 200');
    t.match(response, /"success":true/, 'in-flight request succeeds');
    t.equal(await waitForExit(server), 0, 'exit code');
    t.ok(server.lines.some((line) => line.msg === 'stopped'), 'stopped is logged');
  });
});

t.test('open server on public address rejected', async (t) => {
  const server = startServer(t, { DATA_DIR: freshDataDir(t), HOST: '0.0.0.0' });
  t.equal(await waitForExit(server), 1, 'exit code');
  t.match(server.stderr(), /API_TOKEN/, 'message names API_TOKEN');
  t.match(server.stderr(), /set API_TOKEN/, 'message says how to set it');
  t.notOk(server.lines.some((line) => line.msg === 'listening'), 'never listens');
});

t.test('zone abbreviation or POSIX string as TIMEZONE rejected', async (t) => {
  for (const zone of ['IST', 'SystemV/EST5EDT']) {
    const server = startServer(t, { DATA_DIR: freshDataDir(t), TIMEZONE: zone });
    t.equal(await waitForExit(server), 1, `${zone} exit code`);
    t.match(server.stderr(), `TIMEZONE "${zone}"`, `${zone} message names TIMEZONE`);
    t.match(server.stderr(), /IANA zone name/, `${zone} message says what to use`);
  }
});

t.test('invalid PORT rejected', async (t) => {
  for (const port of ['abc', '70000', '-1', '3.5']) {
    const server = startServer(t, { DATA_DIR: freshDataDir(t), PORT: port });
    t.equal(await waitForExit(server), 1, `PORT=${port} exit code`);
    t.match(server.stderr(), /PORT/, `PORT=${port} message names PORT`);
  }
});

t.test('postgres server lifecycle', {
  skip: serverUrl ? false : 'needs TEST_DATABASE_URL',
}, async (t) => {
  const url = serverUrl!;
  const schema = await createTestSchema(url);
  t.teardown(() => dropTestSchema(url, schema));
  // pg passes `options` from the URL to the server, so the service migrates
  // and uses the throwaway schema instead of public.
  const databaseUrl = new URL(url);
  databaseUrl.searchParams.set('options', `-c search_path=${schema},public`);
  const token = 'server-test-token-5e1a';
  const server = startServer(t, {
    DATA_DIR: freshDataDir(t), DATABASE_URL: databaseUrl.toString(), API_TOKEN: token,
  });
  const listening = await server.waitForLog('"listening"', withMessage('listening'));
  const address = new URL(String(listening.address));

  t.equal(listening.database, 'postgres', 'database kind');
  t.equal(listening.timeZone, 'UTC', 'time zone');
  t.equal(listening.auth, 'bearer token', 'auth');

  const ready = await fetch(new URL('/ready', address));
  t.equal(ready.status, 200, 'ready status');
  t.equal(((await ready.json()) as { database?: string }).database, 'postgres', 'ready database');
  const created = await fetch(new URL('/sessions/create', address), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(session),
  });
  t.equal(created.status, 200, 'create with the token');

  server.child.kill('SIGTERM');
  t.equal(await waitForExit(server), 0, 'exit code');
  t.ok(server.lines.some((line) => line.msg === 'stopped'), 'stopped is logged');
  t.notOk(server.stdout().includes(token), 'log has no token');
});
