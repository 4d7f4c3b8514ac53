/**
 * Part 1b: four processes sharing one quota (one emulator). llm-resilience with the RedisStore vs
 * llm-resilience with only local limits (each process believes it owns the quota, configured or learned) vs
 * Bottleneck's Redis clustering (`datastore: 'ioredis'`) + SDK retries. Needs `src/limits/redis/redis-store.ts` and a
 * Redis: `REDIS_URL`, or a local `redis-server` started through `__tests__/helpers/redis-server.ts`.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FleetMode, FleetWorkerConfig, FleetWorkerResult } from './fleet-worker';
import { loadRedisHelper, loadRedisStore } from './optional';
import { textTable, type Column } from './table';
import { figuresRow } from './goodput';
import { idealFromCounters, startBenchEmulator, type BatchFigures, type GoodputSizes } from './workload';

/** Processes in the fleet. */
export const FLEET_PROCESSES = 4;

/** One fleet contender's figures. */
export interface FleetResult extends BatchFigures {
  readonly processes: number;
  readonly degraded: boolean;
  readonly errors: readonly string[];
}

/** The fleet part's outcome: results, or why it was skipped. */
export type FleetOutcome = { readonly ran: true; readonly redis: string; readonly results: FleetResult[] } | { readonly ran: false; readonly skipped: string };

const MODES: ReadonlyArray<{ mode: FleetMode; name: string }> = [
  { mode: 'redis-store', name: 'llm-resilience + RedisStore (shared)' },
  { mode: 'local-configured', name: 'llm-resilience, local only (named policy each)' },
  { mode: 'local-learned', name: 'llm-resilience, local only (learned each)' },
  { mode: 'bottleneck-redis', name: 'Bottleneck Redis clustering + SDK retries' },
];

interface RedisTarget {
  readonly url: string;
  readonly describe: string;
  stop(): Promise<void>;
}

/** A Redis to use, or the reason there is none. */
async function findRedis(): Promise<RedisTarget | string> {
  if (loadRedisStore() === undefined) return 'src/limits/redis/redis-store.ts is not in this checkout';
  const url = process.env.REDIS_URL;
  if (url !== undefined && url !== '') return { url, describe: `REDIS_URL ${url}`, stop: async () => undefined };
  const helper = loadRedisHelper();
  if (helper === undefined) return 'REDIS_URL is not set and __tests__/helpers/redis-server.ts is missing';
  const availability = helper.redisAvailability();
  if (availability.kind === 'none') return `${availability.reason} (set REDIS_URL or install redis-server)`;
  const server = await helper.startRedisServer();
  return { url: server.url, describe: `a local redis-server started for the run (${server.url})`, stop: () => server.stop() };
}

function waitFor(child: ChildProcess, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string; result?: unknown; message?: string }): void => {
      if (message.type === type) {
        cleanup();
        resolve(message.result);
      } else if (message.type === 'error') {
        cleanup();
        reject(new Error(`fleet worker ${child.pid} failed: ${message.message}`));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`fleet worker ${child.pid} exited (${code}) before "${type}"`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function runMode(mode: FleetMode, name: string, sizes: GoodputSizes, redisUrl: string, timeoutMs: number): Promise<FleetResult> {
  const emulator = await startBenchEmulator(sizes.quota);
  const perProcess = Math.floor(sizes.calls / FLEET_PROCESSES);
  const namespace = `bench-${mode}-${process.pid}-${Date.now()}`;
  const children = Array.from({ length: FLEET_PROCESSES }, () =>
    fork(join(__dirname, 'fleet-worker.ts'), [], {
      execArgv: ['-r', join(__dirname, '..', 'scripts', 'register.js')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const kill = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`fleet "${mode}" did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    const ready = children.map((child) => waitFor(child, 'ready'));
    children.forEach((child, i) => {
      const config: FleetWorkerConfig = { mode, emulatorUrl: emulator.url, redisUrl, namespace, quota: sizes.quota, calls: perProcess, offset: i * perProcess };
      child.send({ type: 'config', config });
    });
    await Promise.race([Promise.all(ready), timeout]);
    const done = children.map((child) => waitFor(child, 'done') as Promise<FleetWorkerResult>);
    emulator.resetCounters();
    const started = performance.now();
    for (const child of children) child.send({ type: 'go' });
    const results = await Promise.race([Promise.all(done), timeout]);
    const wallSeconds = (performance.now() - started) / 1000;
    await Promise.all(children.map((child) => (child.exitCode !== null ? undefined : new Promise((r) => child.once('exit', r)))));
    const counters = emulator.counters();
    const idealSeconds = idealFromCounters(counters, sizes.quota);
    const completed = results.reduce((s, r) => s + r.completed, 0);
    const failed = results.reduce((s, r) => s + r.failed, 0);
    return {
      contender: name,
      processes: FLEET_PROCESSES,
      calls: completed + failed,
      completed,
      failed,
      rateLimited: counters.rateLimited,
      requests: counters.requests,
      wallSeconds,
      idealSeconds,
      ratio: idealSeconds > 0 ? wallSeconds / idealSeconds : Number.NaN,
      degraded: results.some((r) => r.degraded),
      errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 3),
    };
  } finally {
    clearTimeout(timer);
    kill();
    process.off('exit', kill);
    await emulator.close();
  }
}

/** Runs the fleet contenders, or explains in one line why not. */
export async function runFleet(sizes: GoodputSizes, log: (line: string) => void): Promise<FleetOutcome> {
  const redis = await findRedis();
  if (typeof redis === 'string') return { ran: false, skipped: redis };
  try {
    log(`  Redis: ${redis.describe}`);
    const results: FleetResult[] = [];
    for (const { mode, name } of MODES) {
      const result = await runMode(mode, name, sizes, redis.url, 150_000);
      log(`  ${result.contender}: ${result.completed}/${result.calls} completed, ${result.rateLimited} 429s, ${result.wallSeconds.toFixed(2)} s`);
      results.push(result);
    }
    return { ran: true, redis: redis.describe, results };
  } finally {
    await redis.stop();
  }
}

/** Table columns of a fleet result. */
export const FLEET_COLUMNS: readonly Column[] = [
  { header: `contender (${FLEET_PROCESSES} processes, one quota)` },
  { header: 'completed', right: true },
  { header: 'failed', right: true },
  { header: '429s', right: true },
  { header: 'HTTP requests', right: true },
  { header: 'wall s', right: true },
  { header: 'ideal s', right: true },
  { header: 'wall/ideal', right: true },
];

/** Table rows. */
export function fleetRows(results: readonly FleetResult[]): string[][] {
  return results.map((r) => figuresRow(r, r.contender + (r.degraded ? ' (store degraded!)' : '')));
}

/** The printable table. */
export function fleetTable(results: readonly FleetResult[]): string {
  return textTable(FLEET_COLUMNS, fleetRows(results));
}
