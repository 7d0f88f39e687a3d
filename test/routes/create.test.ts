import t from 'tap';
import { buildTestApp, send } from '../helpers.js';

const example = {
  mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
  start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
  event_type_conn: 'Connected', event_type_disc: 'Disconnected',
};

t.test('create stores published example', async (t) => {
  const app = await buildTestApp(t);
  const response = await send(app, 'POST', '/sessions/create', example);
  t.equal(response.status, 200);
  t.equal(response.json.message, 'Session created for MAC AA:BB:CC:DD:EE:FF');
});
