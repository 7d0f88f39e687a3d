// The environment the service reads, as one TypeBox schema. The Config type
// comes from the schema, and loadConfig reports every invalid variable at once.
import { isIP } from 'node:net';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { lookupZone } from './sessions/time.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  API_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  TIMEZONE: Type.String({ minLength: 1, default: 'UTC' }),
  CORS_ORIGINS: Type.String({ default: '' }),
  LOG_LEVEL: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), {
    default: 'info',
  }),
  TRUST_PROXY: Type.String({ default: 'false' }),
  DOWN_GRACE_MINUTES: Type.Integer({ minimum: 0, maximum: 10_080, default: 0 }),
  RETENTION_DAYS: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500 })),
  MAX_ROWS: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const HINTS: Record<string, string> = {
  PORT: 'an integer from 0 to 65535',
  DOWN_GRACE_MINUTES: 'a whole number of minutes from 0 to 10080',
  RETENTION_DAYS: 'a whole number of days from 1 to 36500',
  MAX_ROWS: 'a whole number of rows from 1 to 10000000',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
};

const INTEGER_KEYS = ['PORT', 'DOWN_GRACE_MINUTES', 'RETENTION_DAYS', 'MAX_ROWS'];

/** Reads and validates the service configuration from an environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]?.trim();
    if (value) raw[key] = value;
  }
  const problems: string[] = [];
  // Value.Convert reads 1e3 and 0x10 as numbers, so integers must be plain digits.
  const notDigits = INTEGER_KEYS.filter((key) => raw[key] !== undefined && !/^\d+$/.test(raw[key]));
  for (const key of notDigits) {
    problems.push(`${key}=${JSON.stringify(raw[key])} is invalid: expected ${HINTS[key]}`);
  }
  const config = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, { ...raw }));
  for (const error of Value.Errors(ConfigSchema, config)) {
    const key = error.path.slice(1);
    if (notDigits.includes(key)) continue;
    problems.push(`${key}=${JSON.stringify(raw[key])} is invalid: ` +
      `expected ${HINTS[key] ?? error.message}`);
  }
  // The checks below read text settings only, which the raw values hold too.
  problems.push(...checkValues({ ...(Value.Default(ConfigSchema, {}) as Config), ...raw }));
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return config as Config;
}

function checkValues(config: Config): string[] {
  const problems: string[] = [];
  if (!lookupZone(config.TIMEZONE)) {
    problems.push(`TIMEZONE=${JSON.stringify(config.TIMEZONE)} is not an IANA time zone: ` +
      'use a name such as UTC or Europe/Berlin');
  }
  if (config.DATABASE_URL && !isPostgresUrl(config.DATABASE_URL)) {
    problems.push('DATABASE_URL is not a postgres:// or postgresql:// URL');
  }
  for (const origin of corsOrigins(config)) {
    if (!isOrigin(origin)) {
      problems.push(`CORS_ORIGINS entry ${JSON.stringify(origin)} is not an origin: ` +
        'use scheme, host and optional port, such as https://dashboard.example');
    }
  }
  if (trustProxy(config) === undefined) {
    problems.push(`TRUST_PROXY=${JSON.stringify(config.TRUST_PROXY)} is invalid: expected ` +
      'true, false, a hop count, or a comma-separated list of addresses, CIDR ranges ' +
        'or loopback, linklocal, uniquelocal');
  }
  return problems;
}

/**
 * Rejects a configuration that would serve the API without a token on an
 * address other machines can reach. Only the server listens, so only it checks.
 */
export function assertListenIsSafe(config: Config): void {
  if (config.API_TOKEN || isLoopback(config.HOST)) return;
  throw new ConfigError([
    `API_TOKEN is not set and HOST=${config.HOST} is not a loopback address: ` +
      'set API_TOKEN to a secret (for example API_TOKEN=$(openssl rand -hex 32)) ' +
      'or listen on 127.0.0.1',
  ]);
}

function isPostgresUrl(text: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return ['http:', 'https:'].includes(url.protocol) && url.origin === text;
  } catch {
    return false;
  }
}

/** Returns true for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, '');
  if (address === 'localhost' || address === '::1') return true;
  return isIP(address) === 4 && address.startsWith('127.');
}

export function corsOrigins(config: Config): string[] {
  return config.CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean);
}

/** Address groups that Fastify's proxy-addr accepts by name. */
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** Returns the value for Fastify's `trustProxy`, or undefined when invalid. */
export function trustProxy(config: Config): boolean | number | string[] | undefined {
  const value = config.TRUST_PROXY.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const valid = entries.every((entry) => {
    if (PROXY_NAMES.includes(entry)) return true;
    const [address = '', bits] = entry.split('/');
    return isIP(address) !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits));
  });
  return valid ? entries : undefined;
}
