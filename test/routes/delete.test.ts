import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildTestApp, send } from '../helpers.js';

type Reply = Awaited<ReturnType<typeof send>>;

const example = {
  mac: 'AA:BB:CC:DD:EE:FF', ip: '192.168.1.10',
  start_time: '2025-08-01T10:00:00', end_time: '2025-08-01T12:00:00',
  event_type_conn: 'Connected', event_type_disc: 'Disconnected',
};

/** Returns 12 random hex digits with a locally administered first octet. */
function randomHex(): string {
  return `02${randomBytes(5).toString('hex')}`.toUpperCase();
}

function colonMac(hex: string): string {
  return hex.match(/../g)!.join(':');
}

/** Creates `count` closed sessions on consecutive days for the device. */
async function createSessions(t: Test, app: FastifyInstance, mac: string, count: number) {
  for (let day = 1; day <= count; day++) {
    const date = `2025-08-${String(day).padStart(2, '0')}`;
    const response = await send(app, 'POST', '/sessions/create', {
      mac, ip: '192.168.1.10', start_time: `${date}T10:00:00`, end_time: `${date}T11:00:00`,
    });
    t.equal(response.status, 200, `create ${mac} on ${date}`);
  }
}

async function countSessions(app: FastifyInstance, mac: string): Promise<number> {
  const response = await send(app, 'GET', `/sessions/list?mac=${encodeURIComponent(mac)}`);
  return response.json?.sessions?.length;
}

function deleteByBody(app: FastifyInstance, payload: unknown): Promise<Reply> {
  return send(app, 'DELETE', '/sessions/delete', payload);
}

function deleteByQuery(app: FastifyInstance, query: string): Promise<Reply> {
  return send(app, 'DELETE', `/sessions/delete?${query}`);
}

/** Asserts the error envelope with its status, and that the message names `word`. */
function assertError(t: Test, response: Reply, status: number, word?: string) {
  t.equal(response.status, status, 'status');
  t.equal(response.json?.success, false, 'success');
  t.type(response.json?.error, 'string', 'error code');
  t.type(response.json?.message, 'string', 'message');
  if (word !== undefined) t.ok(response.json?.message?.includes(word), `message names ${word}`);
}

t.test('delete removes published example', async (t) => {
  const app = await buildTestApp(t);
  t.equal((await send(app, 'POST', '/sessions/create', example)).status, 200);
  const response = await deleteByBody(app, { mac: 'AA:BB:CC:DD:EE:FF' });
  t.equal(response.status, 200);
  t.same(response.json, {
    success: true, message: 'Deleted sessions for MAC AA:BB:CC:DD:EE:FF', deleted: 1,
  });
  t.equal(await countSessions(app, 'AA:BB:CC:DD:EE:FF'), 0, 'no sessions left');
});

t.test('delete on one app', async (t) => {
  const app = await buildTestApp(t);

  t.test('delete removes every session of device', async (t) => {
    const mac = colonMac(randomHex());
    await createSessions(t, app, mac, 3);
    const response = await deleteByBody(app, { mac });
    t.equal(response.status, 200);
    t.equal(response.json?.deleted, 3);
    t.equal(response.json?.message, `Deleted sessions for MAC ${mac}`);
    t.equal(await countSessions(app, mac), 0, 'no sessions left');
  });

  t.test('delete removes open session', async (t) => {
    const mac = colonMac(randomHex());
    await createSessions(t, app, mac, 1);
    const open = await send(app, 'POST', '/sessions/create',
      { mac, ip: '192.168.1.10', start_time: '2025-08-05T10:00:00' });
    t.equal(open.status, 200, 'open session created');
    const response = await deleteByBody(app, { mac });
    t.equal(response.json?.deleted, 2);
    t.equal(await countSessions(app, mac), 0, 'no sessions left');
  });

  t.test('delete accepts MAC in query', async (t) => {
    const mac = colonMac(randomHex());
    await createSessions(t, app, mac, 2);
    const response = await deleteByQuery(app, `mac=${encodeURIComponent(mac)}`);
    t.equal(response.status, 200);
    t.equal(response.json?.success, true);
    t.equal(response.json?.message, `Deleted sessions for MAC ${mac}`);
    t.equal(response.json?.deleted, 2);
    t.equal(await countSessions(app, mac), 0, 'no sessions left');
  });

  t.test('delete accepts query with empty body', async (t) => {
    const mac = colonMac(randomHex());
    await createSessions(t, app, mac, 1);
    const response = await send(app, 'DELETE', `/sessions/delete?mac=${mac}`, {});
    t.equal(response.status, 200);
    t.equal(response.json?.deleted, 1);
  });

  t.test('delete accepts MAC spellings', async (t) => {
    const spellings = (hex: string) => [
      { name: 'lower case colons', mac: colonMac(hex).toLowerCase() },
      { name: 'dashes', mac: hex.match(/../g)!.join('-') },
      { name: 'lower case dashes', mac: hex.match(/../g)!.join('-').toLowerCase() },
      { name: 'Cisco dots', mac: hex.match(/..../g)!.join('.').toLowerCase() },
      { name: 'bare digits', mac: hex },
      { name: 'bare lower case', mac: hex.toLowerCase() },
    ];
    for (const via of ['body', 'query']) {
      for (const { name, mac } of spellings(randomHex())) {
        t.test(`${name} in ${via}`, async (t) => {
          const canonical = colonMac(mac.replace(/[:.-]/g, '').toUpperCase());
          await createSessions(t, app, canonical, 2);
          const response = via === 'body'
            ? await deleteByBody(app, { mac })
            : await deleteByQuery(app, `mac=${encodeURIComponent(mac)}`);
          t.equal(response.status, 200);
          t.equal(response.json?.deleted, 2);
          t.equal(response.json?.message, `Deleted sessions for MAC ${canonical}`);
          t.equal(await countSessions(app, canonical), 0, 'no sessions left');
        });
      }
    }
  });

  t.test('delete accepts Internet in any case', async (t) => {
    for (const spelling of ['Internet', 'internet', 'INTERNET']) {
      await createSessions(t, app, 'Internet', 1);
      const response = await deleteByBody(app, { mac: spelling });
      t.equal(response.status, 200, `${spelling} status`);
      t.equal(response.json?.deleted, 1, `${spelling} deleted`);
      t.equal(response.json?.message, 'Deleted sessions for MAC Internet', `${spelling} message`);
    }
  });

  t.test('delete of unknown device deletes none', async (t) => {
    const mac = colonMac(randomHex());
    const response = await deleteByBody(app, { mac });
    t.equal(response.status, 200);
    t.same(response.json, {
      success: true, message: `Deleted sessions for MAC ${mac}`, deleted: 0,
    });
  });

  t.test('delete twice deletes none second', async (t) => {
    const mac = colonMac(randomHex());
    await createSessions(t, app, mac, 1);
    t.equal((await deleteByBody(app, { mac })).json?.deleted, 1, 'first delete');
    const second = await deleteByBody(app, { mac });
    t.equal(second.status, 200, 'second status');
    t.equal(second.json?.deleted, 0, 'second delete');
  });

  t.test('delete leaves other devices', async (t) => {
    const target = colonMac(randomHex());
    const other = colonMac(randomHex());
    await createSessions(t, app, target, 2);
    await createSessions(t, app, other, 3);
    await createSessions(t, app, 'Internet', 1);
    const response = await deleteByBody(app, { mac: target });
    t.equal(response.json?.deleted, 2);
    t.equal(await countSessions(app, target), 0, 'target device emptied');
    t.equal(await countSessions(app, other), 3, 'other device kept');
    t.equal(await countSessions(app, 'Internet'), 1, 'Internet kept');
  });

  t.test('delete prefers body over query', async (t) => {
    const inBody = colonMac(randomHex());
    const inQuery = colonMac(randomHex());
    await createSessions(t, app, inBody, 1);
    await createSessions(t, app, inQuery, 1);
    const response = await send(app, 'DELETE', `/sessions/delete?mac=${inQuery}`, { mac: inBody });
    t.equal(response.status, 200);
    t.equal(response.json?.message, `Deleted sessions for MAC ${inBody}`);
    t.equal(await countSessions(app, inBody), 0, 'body device emptied');
    t.equal(await countSessions(app, inQuery), 1, 'query device kept');
  });

  t.test('delete uses first repeated query value', async (t) => {
    const first = colonMac(randomHex());
    const second = colonMac(randomHex());
    await createSessions(t, app, first, 1);
    await createSessions(t, app, second, 1);
    const response = await deleteByQuery(app, `mac=${first}&mac=${second}&_=123`);
    t.equal(response.status, 200);
    t.equal(response.json?.message, `Deleted sessions for MAC ${first}`);
    t.equal(await countSessions(app, first), 0, 'first device emptied');
    t.equal(await countSessions(app, second), 1, 'second device kept');
  });

  t.test('delete rejects missing MAC', async (t) => {
    const cases: { name: string; send: () => Promise<Reply> }[] = [
      { name: 'no body and no query', send: () => send(app, 'DELETE', '/sessions/delete') },
      { name: 'empty object body', send: () => deleteByBody(app, {}) },
      { name: 'empty mac in body', send: () => deleteByBody(app, { mac: '' }) },
      { name: 'empty mac in query', send: () => deleteByQuery(app, 'mac=') },
      { name: 'other key only', send: () => deleteByQuery(app, 'device=AA:BB:CC:DD:EE:FF') },
    ];
    for (const { name, send: request } of cases) {
      t.test(name, async (t) => {
        assertError(t, await request(), 400, 'mac');
      });
    }
  });

  t.test('delete rejects invalid MAC', async (t) => {
    const values = [
      'AA:BB:CC:DD:EE', 'AA:BB:CC:DD:EE:FF:00', 'AA:BB:CC:DD:EE:FG', 'AA-BB:CC-DD-EE-FF',
      'aabb.ccdd.eef', 'aabbccddeef', 'Internet2', '*', "AA' or '1'='1",
    ];
    for (const via of ['body', 'query']) {
      for (const value of values) {
        t.test(`${via} mac ${JSON.stringify(value)}`, async (t) => {
          const response = via === 'body'
            ? await deleteByBody(app, { mac: value })
            : await deleteByQuery(app, `mac=${encodeURIComponent(value)}`);
          assertError(t, response, 400, 'mac');
          t.ok(response.json?.message?.includes(value), 'message names value');
        });
      }
    }
  });

  t.test('delete rejects mistyped bodies', async (t) => {
    const cases = [
      { name: 'mac as number', payload: '{"mac": 12}', type: 'application/json', status: 400 },
      { name: 'mac as list', payload: '{"mac": ["AA:BB:CC:DD:EE:FF", "02:00:00:00:00:01"]}',
        type: 'application/json', status: 400 },
      { name: 'array body', payload: '["AA:BB:CC:DD:EE:FF"]', type: 'application/json',
        status: 400 },
      { name: 'invalid JSON', payload: '{"mac": ', type: 'application/json', status: 400 },
      { name: 'plain text body', payload: 'AA:BB:CC:DD:EE:FF', type: 'text/plain', status: 415 },
    ];
    for (const { name, payload, type, status } of cases) {
      t.test(name, async (t) => {
        const response = await app.inject({
          method: 'DELETE', url: '/sessions/delete', headers: { 'content-type': type }, payload,
        });
        let json: any;
        try {
          json = response.json();
        } catch {
          json = undefined;
        }
        assertError(t, { status: response.statusCode, json, headers: response.headers,
          text: response.body }, status);
      });
    }
  });
});

t.test('delete requires bearer token', async (t) => {
  const app = await buildTestApp(t, { env: { API_TOKEN: 'delete-test-token' } });
  const mac = colonMac(randomHex());
  const missing = await deleteByBody(app, { mac });
  assertError(t, missing, 401);
  t.equal(missing.headers['www-authenticate'], 'Bearer');
  const accepted = await send(app, 'DELETE', '/sessions/delete', { mac },
    { authorization: 'Bearer delete-test-token' });
  t.equal(accepted.status, 200);
  t.equal(accepted.json?.deleted, 0);
});
