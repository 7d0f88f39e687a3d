import t from 'tap';
import { assertListenIsSafe, ConfigError, isLoopback, loadConfig } from '../src/config.js';

/** Loads an environment that must be rejected and returns the error. */
function rejection(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

function listenRejection(env: NodeJS.ProcessEnv): ConfigError | null {
  try {
    assertListenIsSafe(loadConfig(env));
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

t.test('config defaults', async (t) => {
  const config = loadConfig({});
  t.equal(config.PORT, 3000);
  t.equal(config.HOST, '127.0.0.1');
  t.equal(config.DATA_DIR, './data');
  t.equal(config.TIMEZONE, 'UTC');
  t.equal(config.LOG_LEVEL, 'info');
  t.equal(config.CORS_ORIGINS, '');
  t.equal(config.TRUST_PROXY, 'false');
  t.equal(config.API_TOKEN, undefined);
  t.equal(config.DATABASE_URL, undefined);
});

t.test('config ignores unknown variables', async (t) => {
  t.same(loadConfig({ HOME: '/root', TZ: 'Asia/Kolkata' }), loadConfig({}));
});

t.test('empty config values count as unset', async (t) => {
  const env = {
    PORT: '', HOST: '', DATA_DIR: '', TIMEZONE: '', LOG_LEVEL: '',
    API_TOKEN: '', DATABASE_URL: '', CORS_ORIGINS: '', TRUST_PROXY: '',
  };
  t.same(loadConfig(env), loadConfig({}));
  t.equal(loadConfig(env).API_TOKEN, undefined);
  const blank = { PORT: '  ', HOST: ' ', TIMEZONE: '\t', API_TOKEN: ' ' };
  t.same(loadConfig(blank), loadConfig({}));
});

t.test('config reads valid values', async (t) => {
  const config = loadConfig({
    PORT: '8080', HOST: '0.0.0.0', TIMEZONE: 'Europe/Berlin', LOG_LEVEL: 'debug',
    DATABASE_URL: 'postgres://app@db:5432/sessions', API_TOKEN: 'secret',
    CORS_ORIGINS: 'https://dashboard.example, http://localhost:8080',
    TRUST_PROXY: '10.0.0.0/8,loopback',
  });
  t.equal(config.PORT, 8080);
  t.equal(config.HOST, '0.0.0.0');
  t.equal(config.TIMEZONE, 'Europe/Berlin');
  t.equal(config.LOG_LEVEL, 'debug');
  t.equal(config.DATABASE_URL, 'postgres://app@db:5432/sessions');
  t.equal(config.API_TOKEN, 'secret');
  t.equal(loadConfig({ DATABASE_URL: 'postgresql://db/x' }).DATABASE_URL, 'postgresql://db/x');
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY, 'true');
  t.equal(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY, '2');
});

t.test('invalid PORT rejected', async (t) => {
  for (const port of ['abc', '70000', '-1', '1e3', '0x10', '3000.5']) {
    const error = rejection({ PORT: port });
    t.equal(error.name, 'ConfigError');
    t.equal(error.problems.length, 1, port);
    t.match(error.problems[0], /^PORT=.* is invalid: expected an integer from 0 to 65535$/, port);
    t.match(error.message, /PORT/);
    t.match(error.message, `PORT=${JSON.stringify(port)}`, port);
  }
});

t.test('unknown TIMEZONE rejected', async (t) => {
  for (const zone of ['Mars/Olympus', 'Europe/Berln', 'CEST+2']) {
    const error = rejection({ TIMEZONE: zone });
    t.equal(error.problems.length, 1, zone);
    t.match(error.problems[0], /^TIMEZONE=.* is not an IANA time zone/, zone);
    t.match(error.message, zone, zone);
  }
});

t.test('invalid LOG_LEVEL rejected', async (t) => {
  for (const level of ['loud', 'INFO2', 'verbose']) {
    const error = rejection({ LOG_LEVEL: level });
    t.equal(error.problems.length, 1, level);
    t.match(error.problems[0], /^LOG_LEVEL=.* is invalid: expected one of fatal, .*silent/);
  }
});

t.test('invalid DATABASE_URL rejected', async (t) => {
  for (const url of ['mysql://db/sessions', 'not a url', 'db:5432']) {
    const error = rejection({ DATABASE_URL: url });
    t.equal(error.problems.length, 1, url);
    t.match(error.problems[0], /^DATABASE_URL is not a postgres:\/\//, url);
  }
});

t.test('invalid CORS origin rejected', async (t) => {
  for (const origin of ['*', 'dashboard.example', 'https://a.example/path', 'ftp://a.example']) {
    const error = rejection({ CORS_ORIGINS: `https://ok.example,${origin}` });
    t.equal(error.problems.length, 1, origin);
    t.match(error.problems[0], /^CORS_ORIGINS entry /, origin);
    t.match(error.problems[0], JSON.stringify(origin), origin);
  }
});

t.test('invalid TRUST_PROXY rejected', async (t) => {
  for (const value of ['maybe', '10.0.0.0/abc', 'loopback,nowhere']) {
    const error = rejection({ TRUST_PROXY: value });
    t.equal(error.problems.length, 1, value);
    t.match(error.problems[0], /^TRUST_PROXY=.* is invalid: expected true, false/, value);
  }
});

t.test('config reports several problems at once', async (t) => {
  const typed = rejection({ PORT: 'abc', LOG_LEVEL: 'loud' });
  t.equal(typed.problems.length, 2);
  t.match(typed.message, /PORT="abc"/);
  t.match(typed.message, /LOG_LEVEL="loud"/);

  const checked = rejection({
    TIMEZONE: 'Mars/Olympus', DATABASE_URL: 'mysql://db', CORS_ORIGINS: '*',
    TRUST_PROXY: 'maybe',
  });
  t.equal(checked.problems.length, 4);
  for (const name of ['TIMEZONE', 'DATABASE_URL', 'CORS_ORIGINS', 'TRUST_PROXY']) {
    t.match(checked.message, name);
  }
});

t.test('schema and value problems together', async (t) => {
  const error = rejection({ PORT: 'abc', TIMEZONE: 'Mars/Olympus' });
  t.equal(error.problems.length, 2);
  t.match(error.message, /TIMEZONE/);
});

t.test('public HOST without token rejected', async (t) => {
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'sessions.example']) {
    const error = listenRejection({ HOST: host });
    t.ok(error, host);
    t.match(error?.message, /API_TOKEN is not set/, host);
    t.match(error?.message, `HOST=${host}`, host);
    t.match(error?.message, /set API_TOKEN to a secret/, host);
    t.match(error?.message, /openssl rand/, host);
  }
});

t.test('public HOST with token accepted', async (t) => {
  t.equal(listenRejection({ HOST: '0.0.0.0', API_TOKEN: 'secret' }), null);
  t.equal(listenRejection({ HOST: '::', API_TOKEN: 'secret' }), null);
});

t.test('empty API_TOKEN counts as unset', async (t) => {
  t.ok(listenRejection({ HOST: '0.0.0.0', API_TOKEN: '' }));
});

t.test('loopback HOST runs without API_TOKEN', async (t) => {
  for (const host of ['127.0.0.1', '::1', 'localhost', '127.0.0.2', '[::1]']) {
    t.equal(isLoopback(host), true, host);
    t.equal(listenRejection({ HOST: host }), null, host);
  }
  t.equal(listenRejection({}), null, 'default HOST');
});

t.test('other addresses not loopback', async (t) => {
  for (const host of ['0.0.0.0', '::', '128.0.0.1', '10.0.0.1', 'localhost.example']) {
    t.equal(isLoopback(host), false, host);
  }
});
