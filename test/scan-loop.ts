// A scanner that comes and goes at random: posts presence snapshots to a
// running service, then checks that the service ended with exactly the
// sessions an independent model computes from the same snapshots.
//   npx tsx test/scan-loop.ts URL [--token T] [--rounds N] [--interval S] [--grace M]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { generator } from '../bench/seed.js';

export interface LoopOptions {
  baseUrl: string;
  token?: string | undefined;
  rounds: number;
  /** Seconds between snapshots in real time; 0 posts them at once. */
  intervalSeconds: number;
  /** Simulated seconds between snapshot instants. */
  stepSeconds: number;
  graceMinutes: number;
  devices: number;
  seed: number;
  /** The instant of the first snapshot; the last one must not lie in the future. */
  start: number;
}

interface ModelSession {
  mac: string;
  start: number;
  end: number | null;
}

/** Computes the sessions a snapshot sequence leaves, by the snapshot rules. */
export function modelSessions(
  snapshots: Array<{ at: number; present: string[] }>,
  graceMinutes: number,
): ModelSession[] {
  const sessions: ModelSession[] = [];
  const open = new Map<string, ModelSession>();
  const lastSeen = new Map<string, number>();
  const firstMissed = new Map<string, number>();
  for (const { at, present } of snapshots) {
    for (const mac of present) {
      if (!open.has(mac)) {
        const session = { mac, start: at, end: null };
        sessions.push(session);
        open.set(mac, session);
      }
      lastSeen.set(mac, at);
      firstMissed.delete(mac);
    }
    for (const [mac, session] of open) {
      if (present.includes(mac)) continue;
      const seen = lastSeen.get(mac)!;
      if (graceMinutes === 0) {
        session.end = at;
      } else if (seen + graceMinutes * 60_000 <= at) {
        // Seen once only: the close falls at the first snapshot that missed it.
        session.end = seen > session.start ? seen : firstMissed.get(mac) ?? at;
      } else {
        if (!firstMissed.has(mac)) firstMissed.set(mac, at);
        continue;
      }
      open.delete(mac);
    }
  }
  return sessions;
}

async function call(options: LoopOptions, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(new URL(path, options.baseUrl), {
    method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json() as any;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${json.message}`);
  return json;
}

export interface LoopResult {
  expected: string[];
  actual: string[];
  source: string;
}

/** Runs the loop and returns both session lists as comparable lines. */
export async function runScanLoop(options: LoopOptions): Promise<LoopResult> {
  const random = generator(options.seed);
  const prefix = `02:${randomBytes(2).toString('hex').match(/../g)!.join(':')}`.toUpperCase();
  const macs = Array.from({ length: options.devices }, (_, index) =>
    `${prefix}:00:00:${index.toString(16).padStart(2, '0').toUpperCase()}`);
  const source = `loop-${prefix.replaceAll(':', '')}`;
  const snapshots: Array<{ at: number; present: string[] }> = [];

  for (let round = 0; round < options.rounds; round++) {
    const at = options.start + round * options.stepSeconds * 1000;
    const present = macs.filter(() => random() < 0.6);
    snapshots.push({ at, present });
    await call(options, 'POST', '/events/scan', {
      source,
      scanned_at: new Date(at).toISOString(),
      devices: present.map((mac) => ({ mac, ip: `10.9.0.${macs.indexOf(mac) + 1}` })),
    });
    if (options.intervalSeconds > 0) {
      await new Promise((resolve) => setTimeout(resolve, options.intervalSeconds * 1000));
    }
  }

  const format = (mac: string, start: string | number, end: string | number | null) =>
    `${mac} ${new Date(start).toISOString()} ${end === null ? 'open' : new Date(end).toISOString()}`;
  const expected = modelSessions(snapshots, options.graceMinutes)
    .map((session) => format(session.mac, session.start, session.end)).sort();
  const actual: string[] = [];
  for (const mac of macs) {
    const list = await call(options, 'GET', `/sessions/list?mac=${mac}`);
    for (const session of list.sessions) {
      actual.push(format(mac, session.ses_ConnectionTime, session.ses_DisconnectionTime));
    }
  }
  return { expected, actual: actual.sort(), source };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      rounds: { type: 'string', default: '20' },
      interval: { type: 'string', default: '3' },
      grace: { type: 'string', default: '0' },
      devices: { type: 'string', default: '8' },
      seed: { type: 'string', default: '1' },
    },
  });
  const rounds = Number(values.rounds);
  const interval = Number(values.interval);
  const result = await runScanLoop({
    baseUrl: positionals[0] ?? 'http://127.0.0.1:3000',
    token: values.token ?? process.env.API_TOKEN,
    rounds,
    intervalSeconds: interval,
    // Snapshot instants advance three minutes a round, so a grace period of
    // minutes takes effect within a short run.
    stepSeconds: 180,
    graceMinutes: Number(values.grace),
    devices: Number(values.devices),
    seed: Number(values.seed),
    start: Date.now() - rounds * 180 * 1000,
  });
  const same = JSON.stringify(result.expected) === JSON.stringify(result.actual);
  console.log(`${result.source}: ${result.actual.length} sessions, ` +
    `${same ? 'exactly as the model computes' : 'DIFFERENT from the model'}`);
  if (!same) {
    console.log('expected:\n  ' + result.expected.join('\n  '));
    console.log('actual:\n  ' + result.actual.join('\n  '));
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
