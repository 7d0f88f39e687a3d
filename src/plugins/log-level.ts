import type { FastifyBaseLogger } from 'fastify';
import type { LevelWithSilent } from 'pino';

/**
 * Returns the log level of probe and document routes: `warn`, so that each
 * poll is not logged, or the service level where that is stricter.
 */
export function probeLogLevel(logger: FastifyBaseLogger): LevelWithSilent {
  const level = logger.level as LevelWithSilent;
  if (level === 'silent') return level;
  const { levels } = logger as unknown as { levels?: { values: Record<string, number> } };
  const current = levels?.values[level] ?? 0;
  const warn = levels?.values.warn ?? 40;
  return current > warn ? level : 'warn';
}
