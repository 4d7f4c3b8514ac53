/**
 * Part 1b: four processes sharing one quota (one emulator). llm-resilience with the RedisStore vs
 * llm-resilience with only local limits (each process believes it owns the quota, configured or learned) vs
 * Bottleneck's Redis clustering (`datastore: 'ioredis'`) + SDK retries. Needs `src/limits/redis/redis-store.ts` and a
 * Redis: `REDIS_URL`, or a local `redis-server` started through `__tests__/helpers/redis-server.ts`.
 *
 * Per contender it prints, besides the table, each process's share of the calls completed in the first half of
 * the run (a fair fleet: every process near 25 %). Then the waiting line: four processes on one shared token
 * budget, one asking 8× the tokens of the others per call (`__tests__/helpers/redis-worker.ts`): each process's
 * share of the grants in the first half, its first and last grant, and the wall time against the ideal. These are
 * the figures the Redis integration tests no longer assert (they move with machine load).
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

/** One process's figures in a fleet run. */
export interface FleetProcessFigures {
  /** Calls it completed (or was granted). */
  readonly calls: number;
  /** Its share of the calls completed (granted) in the first half of the run, 0–1. */
  readonly firstHalfShare: number;
  /** Seconds from the run's first completion (grant) to its own first and last. */
  readonly firstSeconds: number;
  readonly lastSeconds: number;
}

/** One fleet contender's figures. */
export interface FleetResult extends BatchFigures {
  readonly processes: number;
  readonly degraded: boolean;
  readonly errors: readonly string[];
  /** Per process, from the completion times of its calls. */
  readonly perProcess: readonly FleetProcessFigures[];
}

/** The waiting-line run: four processes on one token budget, one with 8× larger demands. */
export interface WaitingLineResult {
  /** Tokens per call of each process. */
  readonly estimates: readonly number[];
  /** Per process, from the grant times (entry into the method). */
  readonly perProcess: readonly FleetProcessFigures[];
  readonly wallSeconds: number;
  /** All the tokens at the budget's rate, from an empty bucket. */
  readonly idealSeconds: number;
}

/** The fleet part's outcome: results, or why it was skipped. */
export type FleetOutcome =
  | { readonly ran: true; readonly redis: string; readonly results: FleetResult[]; readonly waitingLine?: WaitingLineResult | { error: string } }
  | { readonly ran: false; readonly skipped: string };

/**
 * Per-process figures from event times (epoch ms): each process's share of the events in the first half of the
 * span from the first event to the last, and its first and last event from the start of that span.
 * @param times - per process, its event times.
 */
export function processFigures(times: ReadonlyArray<readonly number[]>): FleetProcessFigures[] {
  const all = times.flat().sort((a, b) => a - b);
  if (all.length === 0) return times.map(() => ({ calls: 0, firstHalfShare: Number.NaN, firstSeconds: Number.NaN, lastSeconds: Number.NaN }));
  const start = all[0];
  const mid = (start + all[all.length - 1]) / 2;
  const firstHalf = all.filter((t) => t < mid).length;
  return times.map((own) => ({
    calls: own.length,
    firstHalfShare: own.filter((t) => t < mid).length / firstHalf,
    firstSeconds: own.length === 0 ? Number.NaN : (Math.min(...own) - start) / 1000,
    lastSeconds: own.length === 0 ? Number.NaN : (Math.max(...own) - start) / 1000,
  }));
}

/** `25.1% / 24.9% / …` */
function shares(perProcess: readonly FleetProcessFigures[]): string {
  return perProcess.map((p) => `${(p.firstHalfShare * 100).toFixed(1)}%`).join(' / ');
}

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
  if (url !== undefined && url !== '') return { url, describe: `REDIS_URL ${url}`, stop: () => Promise.resolve() };
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
        reject(new Error(`fleet worker ${String(child.pid)} failed: ${message.message ?? '(no message)'}`));
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`fleet worker ${String(child.pid)} exited (${String(code)}) before "${type}"`));
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
    await Promise.all(children.map((child) => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)))));
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
      perProcess: processFigures(results.map((r) => r.finishedAt)),
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
      log(
        `  ${result.contender}: ${result.completed}/${result.calls} completed, ${result.rateLimited} 429s, ${result.wallSeconds.toFixed(2)} s ` +
          `(${result.ratio.toFixed(3)}× ideal); per process: completed ${result.perProcess.map((p) => p.calls).join(' / ')}, ` +
          `share of the first half ${shares(result.perProcess)}, last at ${result.perProcess.map((p) => p.lastSeconds.toFixed(2)).join(' / ')} s`,
      );
      results.push(result);
    }
    let waitingLine: WaitingLineResult | { error: string };
    try {
      waitingLine = await runWaitingLine(redis.url);
      const w = waitingLine;
      log(
        `  waiting line (4 processes × 8 calls on one 60k TPM budget, ${w.estimates.join(' / ')} tokens per call): ` +
          `wall ${w.wallSeconds.toFixed(2)} s (ideal ${w.idealSeconds.toFixed(2)} s); per process: share of the first half ${shares(w.perProcess)}, ` +
          `first grant at ${w.perProcess.map((p) => p.firstSeconds.toFixed(2)).join(' / ')} s, last at ${w.perProcess.map((p) => p.lastSeconds.toFixed(2)).join(' / ')} s`,
      );
    } catch (error) {
      waitingLine = { error: String(error) };
      log(`  waiting line run failed: ${String(error)}`);
    }
    return { ran: true, redis: redis.describe, results, waitingLine };
  } finally {
    await redis.stop();
  }
}

/**
 * Four `noop` processes (`__tests__/helpers/redis-worker.ts`) on one RedisStore token budget of 60k TPM, the
 * first asking 400 tokens per call and the others 50, all calls started at once: with the waiting line they are
 * served in turns (the large-demand process is not starved and finishes with the others).
 */
export async function runWaitingLine(redisUrl: string): Promise<WaitingLineResult> {
  const { runWorkers } = await import('../__tests__/helpers/redis-worker');
  const estimates = [400, 50, 50, 50];
  const tokensPerMinute = 60_000;
  const calls = 8;
  const prefix = `bench-line-${process.pid}-${Date.now()}`;
  const configs = estimates.map((estimate) => ({
    redisUrl,
    prefix,
    key: 'waiting-line',
    mode: 'noop' as const,
    calls,
    requestsPerMinute: 60_000,
    tokensPerMinute,
    estimate,
    instances: FLEET_PROCESSES,
    commandTimeoutMs: 3000,
  }));
  const { results, wallMs } = await runWorkers(configs, 60_000);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) throw new Error(`${failed} calls failed: ${results.flatMap((r) => r.errors).slice(0, 3).join('; ')}`);
  const tokens = estimates.reduce((sum, e) => sum + e * calls, 0);
  return {
    estimates,
    perProcess: processFigures(results.map((r) => r.grants)),
    wallSeconds: wallMs / 1000,
    idealSeconds: (tokens / tokensPerMinute) * 60,
  };
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
