// Makes the opened database available to routes as `app.database` and closes
// it when the app closes, after the requests in flight have finished.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DatabaseHandle } from '../../db/connect.js';

declare module 'fastify' {
  interface FastifyInstance {
    database: DatabaseHandle;
  }
}

export interface DatabasePluginOptions {
  database: DatabaseHandle;
}

async function databasePlugin(app: FastifyInstance, options: DatabasePluginOptions) {
  app.decorate('database', options.database);
  app.addHook('onClose', async () => {
    await options.database.close();
    app.log.info('database closed');
  });
}

export default fp(databasePlugin, { name: 'database' });
