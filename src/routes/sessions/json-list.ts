// Sends a list read by readJsonList as the documented envelope. The items
// are JSON texts from the database, so the body is written as text: whole
// when it was read at once, else streamed chunk by chunk.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { JsonList } from '../../sessions/pages.js';

export function sendJsonList(reply: FastifyReply, field: 'sessions' | 'data', list: JsonList) {
  const head = `{"success":true,"${field}":[`;
  const tail = list.nextCursor === undefined
    ? ']}'
    : `],"next_cursor":${JSON.stringify(list.nextCursor)}}`;
  reply.type('application/json; charset=utf-8');
  const rest = list.rest;
  if (!rest) return reply.send(head + list.first.join(',') + tail);

  async function* body(): AsyncGenerator<string> {
    yield head + list.first.join(',');
    for await (const chunk of rest!) {
      if (chunk.length > 0) yield `,${chunk.join(',')}`;
    }
    yield tail;
  }
  return reply.send(Readable.from(body()));
}
