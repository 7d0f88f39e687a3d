// Sends a list read by readJsonList as the documented envelope. The items
// are JSON texts from the database, so the body is written as text: as one
// string when it is small, else streamed chunk by chunk, so that no large
// body is ever copied into one string.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { JsonList } from '../../sessions/pages.js';

/** Bodies up to this many characters are sent as one string. */
const WHOLE_BODY_MAX = 64 * 1024;

export function sendJsonList(reply: FastifyReply, field: 'sessions' | 'data', list: JsonList) {
  const head = `{"success":true,"${field}":[`;
  const tail = list.nextCursor === undefined
    ? ']}'
    : `],"next_cursor":${JSON.stringify(list.nextCursor)}}`;
  reply.type('application/json; charset=utf-8');
  const { first, rest } = list;
  const length = first.reduce((sum, chunk) => sum + chunk.length, 0);
  if (!rest && length <= WHOLE_BODY_MAX) return reply.send(head + first.join(',') + tail);

  async function* body(): AsyncGenerator<string> {
    let separator = '';
    yield head;
    for (const chunk of first) {
      yield separator + chunk;
      separator = ',';
    }
    if (rest) {
      for await (const chunks of rest) {
        for (const chunk of chunks) {
          yield separator + chunk;
          separator = ',';
        }
      }
    }
    yield tail;
  }
  return reply.send(Readable.from(body(), { objectMode: false }));
}
