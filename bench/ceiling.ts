// The HTTP ceiling: a Fastify route that returns a constant JSON object, in
// a process of its own, so that it does not share an event loop with the
// load generator. Listens on 127.0.0.1:PORT until SIGTERM.
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close());
