import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/errors.js';
import { ScanBodySchema, ScanResponseSchema } from '../../../schemas/events.js';
import { refTo } from '../../../schemas/ref.js';
import { invalidField } from '../../errors.js';
import { readIp, readMac, readRecordedInstant, readText } from '../../sessions/input.js';
import { applySnapshot, type SnapshotDevice } from '../../sessions/scan.js';
import { formatIsoInstant } from '../../sessions/time.js';

function readDevices(devices: Array<{ mac: string; ip?: string | undefined }>): SnapshotDevice[] {
  const seen = new Set<string>();
  return devices.map((device, index) => {
    const mac = readMac(`devices[${index}].mac`, device.mac);
    if (seen.has(mac)) {
      throw invalidField(`devices[${index}].mac`, device.mac, 'the device is listed twice');
    }
    seen.add(mac);
    return { mac, ip: device.ip === undefined ? null : readIp(`devices[${index}].ip`, device.ip) };
  });
}

const scanRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/events/scan', {
    schema: {
      tags: ['events'],
      summary: 'Apply a presence snapshot',
      description: [
        'States that, of the devices this source watches, exactly these are present.',
        'The service derives the events: New Device for a MAC it has never seen,',
        'Connected for a known one without an open session, IP Changed when the IP',
        'differs from the open session\'s, and Disconnected for an open session of',
        'this source whose device is absent: at this snapshot without a grace',
        'period, else once DOWN_GRACE_MINUTES have passed since the device was last',
        'seen, dated at that last sighting. A snapshot older than the source\'s',
        'newest one is a 409. Returns the events it recorded.',
      ].join(' '),
      body: refTo(ScanBodySchema),
      response: {
        200: refTo(ScanResponseSchema),
        ...errorResponses(400, 401, 409, 413, 415, 503),
      },
    },
  }, async (request) => {
    const zone = app.config.TIMEZONE;
    const now = app.clock();
    const { body } = request;
    const source = readText('source', body.source ?? 'scan');
    const at = body.scanned_at === undefined
      ? now
      : readRecordedInstant('scanned_at', body.scanned_at, zone, now);

    const events = await applySnapshot(app.database.db, {
      source, at, devices: readDevices(body.devices),
    }, { zone, graceMinutes: app.config.DOWN_GRACE_MINUTES });
    request.log.info({ source, devices: body.devices.length, events: events.length },
      'snapshot applied');

    return {
      success: true as const,
      message: `Snapshot of source ${source} applied`,
      events: events.map((event) => ({
        mac: event.mac,
        ip: event.ip ?? '',
        event_type: event.type,
        event_time: formatIsoInstant(event.at, zone),
        effect: event.effect,
      })),
    };
  });
};

export default scanRoute;
