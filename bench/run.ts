// `npm run bench`: measures, on this machine and in one run, a constant-JSON
// Fastify route (the HTTP ceiling) and the service's endpoints under load on
// the data set of `npm run bench:seed`, then writes docs/BENCHMARKS.md and
// docs/benchmarks.json. The service runs as a user runs it: built, with a
// token, at LOG_LEVEL=warn. Everything listens on 127.0.0.1 and stops itself.
//   npm run bench -- [--sessions N] [--only TEXT]
// --sessions names the size of the seeded set, 200 sessions a device; a size
// other than 1,000,000 writes docs/benchmarks-N.json and prints its table.
// --only measures the ceiling and the scenarios whose name contains TEXT,
// and prints their table without writing any file.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { seededMac, SEED_END } from './seed.js';

const TOKEN = 'bench-token-0123456789abcdef';
const BENCHMARKS = 'docs/BENCHMARKS.md';
const ANALYSIS = '## What limits these figures';
const PORT = 3901;
const RUNS = 3;
const DURATION_SECONDS = 10;
const REFERENCE_SESSIONS = 1_000_000;
/** The command of `npm start`, heap limits included, without its build step. */
const SERVICE_ARGS = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start
  .split(' ').slice(1) as string[];
const SESSIONS_PER_DEVICE = 200;
/** The prefix of the create load's MACs; the seeded ones start with 02. */
const CREATED_PREFIX = '06:00:00:';

const { values: options } = parseArgs({
  options: {
    sessions: { type: 'string', default: String(REFERENCE_SESSIONS) },
    only: { type: 'string' },
  },
});
const SESSIONS = Number(options.sessions);
const DEVICES = Math.floor(SESSIONS / SESSIONS_PER_DEVICE);

interface Scenario {
  name: string;
  connections: number;
  /** Returns the next request: method, path and optional JSON body. */
  request: () => { method: 'GET' | 'POST'; path: string; body?: unknown };
  target?: string;
}

interface Figures {
  name: string;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  bytesPerResponse: number;
  peakRssMb: number | null;
  non2xx: number;
  ratio: number | null;
  target?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function randomDevice(): string {
  return seededMac(Math.floor(Math.random() * DEVICES));
}

function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

async function load(port: number, scenario: Scenario, pid?: number): Promise<Figures> {
  const runs: autocannon.Result[] = [];
  let peak = rssMb(pid);
  for (let run = 0; run < RUNS; run++) {
    const sampler = setInterval(() => {
      const now = rssMb(pid);
      if (now !== null && (peak === null || now > peak)) peak = now;
    }, 100);
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: scenario.connections,
      duration: DURATION_SECONDS,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      requests: [{
        setupRequest: (request) => {
          const next = scenario.request();
          return {
            ...request, method: next.method, path: next.path,
            ...(next.body === undefined ? {} : { body: JSON.stringify(next.body) }),
          };
        },
      }],
    });
    clearInterval(sampler);
    runs.push(result);
  }
  const middle = runs.find((run) => run.requests.average === median(runs.map((r) => r.requests.average)))!;
  return {
    name: scenario.name,
    connections: scenario.connections,
    requestsPerSecond: Math.round(median(runs.map((run) => run.requests.average))),
    p50: median(runs.map((run) => run.latency.p50)),
    p99: median(runs.map((run) => run.latency.p99)),
    bytesPerResponse: Math.round(middle.throughput.total / Math.max(middle.requests.total, 1)),
    peakRssMb: peak,
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    ratio: null,
    ...(scenario.target ? { target: scenario.target } : {}),
  };
}

/** Starts a server process and waits until `readyPath` returns 200. */
async function startProcess(args: string[], port: number, readyPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', API_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${readyPath}`)).ok) return child;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGTERM');
  throw new Error(`${args.join(' ')} did not become ready within 20 s.`);
}

async function ceiling(): Promise<Figures> {
  const server = await startProcess(['--import', 'tsx', 'bench/ceiling.ts'], PORT + 1, '/');
  try {
    return await load(PORT + 1, {
      name: 'constant JSON route (ceiling)', connections: 50,
      request: () => ({ method: 'GET', path: '/' }),
    }, server.pid);
  } finally {
    server.kill('SIGTERM');
  }
}

const day = (offset: number) => new Date(SEED_END - offset * 86_400_000).toISOString().slice(0, 10);
let createCounter = 0;

const SCENARIOS: Scenario[] = [
  {
    name: 'GET /sessions/{mac}?period=7 days', connections: 50,
    target: 'ratio >= 0.12 and p99 <= 10 ms',
    request: () => ({ method: 'GET', path: `/sessions/${randomDevice()}?period=7%20days` }),
  },
  {
    name: 'GET /sessions/list?mac=', connections: 50, target: 'ratio >= 0.10',
    request: () => ({ method: 'GET', path: `/sessions/list?mac=${randomDevice()}` }),
  },
  {
    name: 'GET /sessions/calendar, 1 day, all devices', connections: 10, target: 'ratio >= 0.0025',
    request: () => {
      const offset = 1 + Math.floor(Math.random() * 300);
      return { method: 'GET', path: `/sessions/calendar?start=${day(offset)}&end=${day(offset)}` };
    },
  },
  {
    name: 'GET /sessions/calendar, 3 weeks, all devices', connections: 2,
    target: 'completes; peak RSS <= 150 MB',
    request: () => {
      const offset = 22 + Math.floor(Math.random() * 300);
      return { method: 'GET', path: `/sessions/calendar?start=${day(offset)}&end=${day(offset - 20)}` };
    },
  },
  {
    name: 'GET /sessions/session-events?type=sessions&period=7 days', connections: 2,
    target: 'peak RSS <= 150 MB',
    request: () => ({ method: 'GET', path: '/sessions/session-events?type=sessions&period=7%20days' }),
  },
  {
    name: 'POST /sessions/create', connections: 50, target: 'ratio >= 0.05, no 5xx',
    request: () => {
      createCounter++;
      const mac = createdMac(createCounter);
      return {
        method: 'POST', path: '/sessions/create',
        body: { mac, ip: '10.200.0.1', start_time: '2025-06-01T10:00:00Z', end_time: '2025-06-01T11:00:00Z' },
      };
    },
  },
];

function table(figures: Figures[]): string {
  const rows = figures.map((figure) => `| ${figure.name} | ${figure.connections} | ` +
    `${figure.requestsPerSecond} | ${figure.p50} | ${figure.p99} | ${figure.bytesPerResponse} | ` +
    `${figure.peakRssMb ?? '-'} | ${figure.ratio === null ? '-' : figure.ratio.toFixed(4)} | ` +
    `${figure.non2xx} | ${figure.target ?? '-'} |`);
  return ['| scenario | conns | req/s | p50 ms | p99 ms | bytes/response | peak RSS MB | ratio | non-2xx | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** Returns the MAC of the create load's n-th request, outside the seeded set. */
function createdMac(n: number): string {
  const hex = (0x100000 + n).toString(16).toUpperCase().padStart(6, '0');
  return `${CREATED_PREFIX}${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/** Deletes the sessions of the create load, so that the seeded set stays as it was. */
async function deleteCreated(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('delete from sessions where mac like $1', [`${CREATED_PREFIX}%`]);
  } finally {
    await client.end();
  }
}

/** Refuses to measure a database that does not hold the seeded set. */
async function checkSeeded(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('select count(*) as count from sessions');
    const count = Number(rows[0]?.count);
    if (count !== SESSIONS) {
      throw new Error(`The database holds ${count} sessions, not ${SESSIONS}: run ` +
        `npm run bench:seed -- --reset --devices ${DEVICES} first.`);
    }
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(DEVICES) || DEVICES < 1 || SESSIONS % SESSIONS_PER_DEVICE !== 0) {
    throw new Error(`--sessions must be a multiple of ${SESSIONS_PER_DEVICE}.`);
  }
  if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL to the seeded database.');
  await checkSeeded(process.env.DATABASE_URL);
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const top = await ceiling();
  const figures: Figures[] = [top];
  const chosen = SCENARIOS.filter((scenario) => !options.only || scenario.name.includes(options.only));
  await deleteCreated(process.env.DATABASE_URL);
  try {
    // A service of its own per scenario, so that each peak RSS is that
    // scenario's, not the largest so far.
    for (const scenario of chosen) {
      const service = await startProcess(SERVICE_ARGS, PORT, '/ready');
      try {
        figures.push(await load(PORT, scenario, service.pid));
      } finally {
        service.kill('SIGTERM');
        await new Promise((resolve) => service.once('exit', resolve));
      }
    }
  } finally {
    await deleteCreated(process.env.DATABASE_URL);
  }
  for (const figure of figures) figure.ratio = figure.requestsPerSecond / top.requestsPerSecond;
  const when = new Date().toISOString();
  const report = JSON.stringify({ when, machine, sessions: SESSIONS, figures }, null, 2) + '\n';
  if (options.only) {
    console.log(table(figures));
    return;
  }
  if (SESSIONS !== REFERENCE_SESSIONS) {
    writeFileSync(`docs/benchmarks-${SESSIONS}.json`, report);
    console.log(table(figures));
    return;
  }
  writeFileSync('docs/benchmarks.json', report);
  // The hand-written analysis below the table survives a new run.
  const previous = existsSync(BENCHMARKS) ? readFileSync(BENCHMARKS, 'utf8') : '';
  const analysis = previous.includes(ANALYSIS) ? previous.slice(previous.indexOf(ANALYSIS)) : '';
  writeFileSync(BENCHMARKS, [
    '# Benchmarks', '',
    `Command: \`DATABASE_URL=... npm run bench\` after \`npm run bench:seed\`, on ${machine}, ${when}.`,
    `Each row is the median of ${RUNS} autocannon runs of ${DURATION_SECONDS} s; the service, ` +
      'PostgreSQL and the load generator share the machine. The ratio is req/s over the ' +
      'ceiling of the same run.', '', table(figures), '', analysis,
  ].join('\n'));
  console.log(table(figures));
}

main().catch((error: Error) => {
  console.error(`Benchmark failed: ${error.message}`);
  process.exitCode = 1;
});
