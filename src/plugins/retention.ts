// Retention: with RETENTION_DAYS set, prunes at start and then once a day the
// sessions that ended before the cutoff and the standalone events older than
// it. Open sessions are never pruned, however old their start.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { pruneBefore } from '../sessions/repository.js';
import { addMinutes } from '../sessions/time.js';

const DAY_MS = 86_400_000;

async function retentionPlugin(app: FastifyInstance): Promise<void> {
  const days = app.config.RETENTION_DAYS;
  if (days === undefined) return;

  async function prune(): Promise<void> {
    const cutoff = addMinutes(app.clock(), -days! * 24 * 60);
    try {
      const pruned = await pruneBefore(app.database.db, cutoff);
      app.log.info({ retentionDays: days, ...pruned }, 'retention pruned old sessions and events');
    } catch (error) {
      app.log.error({ err: error, retentionDays: days }, 'retention pruning failed');
    }
  }

  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await prune();
    timer = setInterval(() => void prune(), DAY_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}

export default fp(retentionPlugin, { name: 'retention', dependencies: ['database'] });
