/**
 * Event-loop bench: how long a loopback HTTP request waits while this process trains MLP-A (784-512-256-10 ReLU,
 * batch 128, SGD 0.05 momentum 0.9) for a fixed number of batches, and how fast it trains off the thread.
 *
 *   npx tsx bench/eventloop.ts [--dist] [--copy-data] [--batches N] [--js-batches N] [--rounds R] [--latency-rounds L]
 *
 * - The server (this process) answers GET / on 127.0.0.1:<ephemeral port>. The client is another process, so
 *   its timers are never blocked by the training: it sends one GET every 10 ms (the next one waits for the previous
 *   answer), at most 5000 requests or 120 s per scenario, and reports each request's send time and latency.
 * - Only requests sent while the training runs count (send times on the monotonic clock both processes share): not
 *   the client's first request (connection set-up), not the model's construction (which runs before, on this
 *   thread: 535,818 weights drawn from the seeded generator). Each scenario runs --latency-rounds times (default 3);
 *   p50/p99/max are over all of its rounds' requests.
 * - Scenarios: idle; a worker thread that only spins (what keeping one of the cores busy costs by itself: the
 *   floor for any off-thread design); native and js through `fit` (a worker thread); native through `fit` with `worker: false`
 *   (the caller-thread loop that yields every ~4 ms) and through `fitBlocking` (never yields), for contrast.
 * - Data: random pixels in [0, 1) and random labels (the timing does not depend on the values).
 * - Throughput: batches/s of the native training loop, fit in a worker vs fitBlocking, from EpochLogs.seconds (the loop
 *   alone) and from the wall clock (worker start-up and data sharing included); median of R alternating rounds,
 *   without the client running.
 * - TF.js (its cpu and wasm backends, model.fit, js's batch count): measured when installed under bench/node_modules
 *   (it is not a dependency of this package; bench/peers/tfjs.ts says how to install it).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Backend, EpochLogs, Tensor as TensorType } from '../lib/index.js';
import { flag, median, option } from './args.js';
import { loadTfjs, prepareTfjsMlpA, TFJS_INSTALL } from './peers/tfjs.js';
import { bothKernelSets } from './kernel-sets.js';

bothKernelSets('event loop while training');

// --dist measures the built package (dist/, what users run: the worker is one bundled file) instead of the
// TypeScript sources, whose worker first compiles the library through tsx (slower start-up, more CPU).
const nb: typeof import('../lib/index.js') = flag('--dist') ? await import('../dist/index.js' as string) : await import('../lib/index.js');
const { Random, SGD, Tensor, fit, fitBlocking, getBackend, getNumThreads, manualSeed, useBackend, Sequential, Dense } = nb;
const MLP_A = { lr: 0.05, momentum: 0.9, batchSize: 128 } as const; // examples/fashion-mlp.ts's recipe
const mlpA = () =>
  new Sequential([
    new Dense(784, 512, { activation: 'relu', kernelInitializer: 'heUniform' }),
    new Dense(512, 256, { activation: 'relu', kernelInitializer: 'heUniform' }),
    new Dense(256, 10, { kernelInitializer: 'heUniform' }),
  ]);

const BATCHES = option('--batches', 400);
const JS_BATCHES = option('--js-batches', 30);
const ROUNDS = option('--rounds', 3);
const LATENCY_ROUNDS = option('--latency-rounds', 3);
const PING_EVERY_MS = 10;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/** The client: pings until told to stop on stdin (or its bounds), then prints [send time µs, latency ms] pairs as JSON. */
const CLIENT = `
const http = require('node:http');
const [port, every, maxCount, maxMs] = process.argv.slice(1).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const latencies = [];
let stop = false;
process.stdin.on('data', () => { stop = true; });
const started = Date.now();
function ping() {
  if (stop || latencies.length >= maxCount || Date.now() - started > maxMs) {
    process.stdout.write(JSON.stringify(latencies));
    process.exit(0);
  }
  const t = process.hrtime.bigint();
  http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
    res.resume();
    res.on('end', () => {
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      latencies.push([Number(t / 1000n), ms]);
      setTimeout(ping, Math.max(0, every - ms));
    });
  });
}
process.stdout.write('ready\\n');
ping();
`;

interface Latency {
  n: number;
  p50: number | undefined;
  p99: number | undefined;
  max: number | undefined;
}

function summarize(latencies: number[]): Latency {
  const lat = [...latencies].sort((a, b) => a - b);
  return { n: lat.length, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat[lat.length - 1] };
}

/** Runs `work` while the client pings the server; the latencies of the requests sent while it ran. */
async function pingDuring(port: number, work: () => Promise<unknown>): Promise<number[]> {
  const client = spawn(process.execPath, ['-e', CLIENT, String(port), String(PING_EVERY_MS), '5000', '120000'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<void>((resolve) => {
    client.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith('ready\n')) resolve();
    });
  });
  const exited = new Promise<void>((resolve) => client.on('exit', () => resolve()));
  await ready;
  await new Promise((r) => setTimeout(r, 100)); // the first requests (connection set-up) before the work starts
  out = out.slice('ready\n'.length);
  const from = Number(process.hrtime.bigint() / 1000n);
  await work();
  const to = Number(process.hrtime.bigint() / 1000n);
  client.stdin.end('stop');
  await exited;
  const pairs = JSON.parse(out.slice(out.indexOf('['))) as [number, number][];
  return pairs.filter(([sent]) => sent >= from && sent <= to).map(([, ms]) => ms);
}

/** Random MLP-A data on shared memory, as the library's dataset loaders allocate it (so fit's worker reads it
 *  without a copy); with --copy-data, on ordinary arrays that fit must first copy to shared memory. */
function data(batches: number): { x: TensorType; y: Int32Array } {
  const rows = batches * MLP_A.batchSize;
  const rng = new Random(1);
  const copy = flag('--copy-data');
  const x = copy ? new Float32Array(rows * 784) : nb.sharedFloat32(rows * 784);
  for (let i = 0; i < x.length; i++) x[i] = rng.random();
  const y = copy ? new Int32Array(rows) : nb.sharedInt32(rows);
  for (let i = 0; i < rows; i++) y[i] = rng.int(10);
  return { x: new Tensor(x, [rows, 784]), y };
}

type How = 'worker' | 'caller-yielding' | 'fitBlocking';

/** A worker thread that keeps one core busy for `ms` and touches nothing else. */
async function spinFor(ms: number): Promise<void> {
  const w = new Worker(
    `const t = Date.now(); let x = 0; while (Date.now() - t < ${ms}) x++; require('node:worker_threads').parentPort.postMessage(x);`,
    { eval: true },
  );
  await new Promise((resolve) => w.once('message', resolve));
  await w.terminate();
}

type Run = () => Promise<{ loop: number; wall: number }>;

/** Builds a seeded MLP-A and its optimizer on `backend` (now), and returns the run: one epoch over `d`, trained `how`. */
function prepareMlpA(backend: Backend, d: { x: TensorType; y: Int32Array }, how: How): Run {
  const previous = useBackend(backend);
  manualSeed(1);
  const model = mlpA();
  useBackend(previous);
  const optimizer = new SGD(model.parameters(), { lr: MLP_A.lr, momentum: MLP_A.momentum, backend });
  const options = { optimizer, epochs: 1, batchSize: MLP_A.batchSize };
  return async () => {
    const before = useBackend(backend);
    try {
      const t = performance.now();
      let h: EpochLogs[];
      if (how === 'fitBlocking') h = await fitBlocking(model, d.x, d.y, options);
      else h = await fit(model, d.x, d.y, { ...options, worker: how === 'worker' });
      return { loop: h[0].seconds, wall: (performance.now() - t) / 1000 };
    } finally {
      useBackend(before);
    }
  };
}

const trainMlpA = (backend: Backend, d: { x: TensorType; y: Int32Array }, how: How) => prepareMlpA(backend, d, how)();

// No request at all is possible under fitBlocking: the client's first ping can come after the training began, and
// then nothing it sends is answered (so none counts) until the training ends.
const ms = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(2)).padStart(8);
const fmt = (l: Latency) => `${String(l.n).padStart(5)}  ${ms(l.p50)}  ${ms(l.p99)}  ${ms(l.max)}`;

async function main(): Promise<void> {
  const server = http.createServer((_req, res) => res.end('pong'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const native = getBackend('native');
  const js = getBackend('js');
  console.log(
    `MLP-A 784-512-256-10, batch ${MLP_A.batchSize}; native ${BATCHES} batches, js ${JS_BATCHES}; OpenBLAS threads ${getNumThreads()}; ` +
      `ping every ${PING_EVERY_MS} ms from another process; ${LATENCY_ROUNDS} rounds per scenario`,
  );
  const nativeData = data(BATCHES);
  const jsData = data(JS_BATCHES);
  await trainMlpA(native, data(4), 'worker'); // warm-up: first worker start, JIT

  console.log('\nscenario                                    requests  p50 (ms)  p99 (ms)  max (ms)  training');
  const row = (name: string, l: Latency, extra = '') => console.log(`${name.padEnd(44)}${fmt(l)}  ${extra}`);
  const idle: number[] = [];
  for (let r = 0; r < LATENCY_ROUNDS; r++)
    idle.push(...(await pingDuring(port, () => new Promise((resolve) => setTimeout(resolve, 2000)))));
  row('idle', summarize(idle));
  // The floor for any design that trains on another thread: a worker that does nothing but keep one core busy.
  const spinning: number[] = [];
  for (let r = 0; r < LATENCY_ROUNDS; r++) spinning.push(...(await pingDuring(port, () => spinFor(1600))));
  row('a worker thread spinning 1.6 s (the floor)', summarize(spinning));
  const scenarios: [string, Backend, { x: TensorType; y: Int32Array }, How][] = [
    ['native, fit (worker thread)', native, nativeData, 'worker'],
    ['native, fit { worker: false } (yields ~4 ms)', native, nativeData, 'caller-yielding'],
    ['native, fitBlocking (never yields)', native, nativeData, 'fitBlocking'],
    ['js, fit (worker thread)', js, jsData, 'worker'],
    ['js, fitBlocking (never yields)', js, jsData, 'fitBlocking'],
  ];
  for (const [name, backend, d, how] of scenarios) {
    const latencies: number[] = [];
    const loops: number[] = [];
    const walls: number[] = [];
    // One round suffices to show that a thread that never yields blocks requests for the whole run.
    for (let r = 0; r < (how === 'fitBlocking' ? 1 : LATENCY_ROUNDS); r++) {
      const run = prepareMlpA(backend, d, how);
      latencies.push(
        ...(await pingDuring(port, async () => {
          const t = await run();
          loops.push(t.loop);
          walls.push(t.wall);
        })),
      );
    }
    const batches = d.x.shape[0] / MLP_A.batchSize;
    row(
      name,
      summarize(latencies),
      `${(batches / median(loops)).toFixed(1)} batches/s (loop), ${median(walls).toFixed(2)} s wall (medians)`,
    );
  }
  const tfjs = loadTfjs();
  if (tfjs === null) console.log(`TF.js: not installed under bench/node_modules, not measured (to measure it: ${TFJS_INSTALL})`);
  else {
    for (const backend of tfjs.backends) {
      const latencies: number[] = [];
      const seconds: number[] = [];
      for (let r = 0; r < LATENCY_ROUNDS; r++) {
        const run = await prepareTfjsMlpA(tfjs.tf, backend, jsData.x.data, jsData.y, JS_BATCHES * MLP_A.batchSize);
        latencies.push(
          ...(await pingDuring(port, async () => {
            seconds.push(await run());
          })),
        );
      }
      row(
        `TF.js ${tfjs.tf.version.tfjs} ${backend}, model.fit`,
        summarize(latencies),
        `${(JS_BATCHES / median(seconds)).toFixed(1)} batches/s (wall, median)`,
      );
    }
  }

  console.log(`\nthroughput, native, ${BATCHES} batches, median of ${ROUNDS} alternating rounds (no client):`);
  const loops: Record<'worker' | 'fitBlocking', number[]> = { worker: [], fitBlocking: [] };
  const walls: Record<'worker' | 'fitBlocking', number[]> = { worker: [], fitBlocking: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const how of ['fitBlocking', 'worker'] as const) {
      const t = await trainMlpA(native, nativeData, how);
      loops[how].push(BATCHES / t.loop);
      walls[how].push(BATCHES / t.wall);
    }
  }
  for (const how of ['fitBlocking', 'worker'] as const) {
    console.log(
      `  ${how.padEnd(8)} ${median(loops[how]).toFixed(1)} batches/s (training loop), ` +
        `${median(walls[how]).toFixed(1)} batches/s (wall clock)`,
    );
  }
  const ratio = median(loops.worker) / median(loops.fitBlocking);
  console.log(
    `  worker / fitBlocking: ${ratio.toFixed(3)} (loop), ${(median(walls.worker) / median(walls.fitBlocking)).toFixed(3)} (wall clock)`,
  );
  server.close();
}

await main();
