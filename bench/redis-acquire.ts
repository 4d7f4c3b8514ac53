/**
 * Redis acquire benchmark: one Node client, our `RedisStore.acquire` (two buckets — requests and tokens —
 * checked and debited atomically, one Lua round trip) vs rate-limiter-flexible's `RateLimiterRedis.consume`
 * (one fixed-window counter) on the same Redis in the same run; then the fairness of four processes queueing
 * on one Redis-backed key.
 *
 *   node -r ./scripts/register.js bench/redis-acquire.ts [--ops N] [--concurrency C] [--rounds R]
 *
 * Uses `REDIS_URL` when set, else starts a local `redis-server` (it needs one of the two).
 * @packageDocumentation
 */

import { availableParallelism, cpus, loadavg } from 'node:os';
import Redis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { redisAvailability, startRedisServer } from '../__tests__/helpers/redis-server';
import { runWorkers, type WorkerConfig, type WorkerResult } from '../__tests__/helpers/redis-worker';
import { RedisStore } from '../src/limits/redis/redis-store';
import type { DemandPart, LimitSpec } from '../src/limits/store';

interface Options {
  readonly ops: number;
  readonly concurrency: number;
  readonly rounds: number;
  readonly latencyOps: number;
  readonly fairness: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    const n = i >= 0 ? Number(argv[i + 1]) : fallback;
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  return {
    ops: value('ops', 20_000),
    concurrency: value('concurrency', 64),
    rounds: value('rounds', 3),
    latencyOps: value('latency-ops', 5_000),
    fairness: !argv.includes('--no-fairness'),
  };
}

/** Aligned plain-text table. */
function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Measurement {
  readonly opsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Throughput with `concurrency` operations in flight, then latency of sequential operations (µs). */
async function measure(op: () => Promise<unknown>, options: Options): Promise<Measurement> {
  for (let i = 0; i < 500; i++) await op(); // warm-up: scripts loaded, JIT warm
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next++ < options.ops) await op();
    }),
  );
  const opsPerSecond = options.ops / ((performance.now() - started) / 1000);
  const latencies = new Float64Array(options.latencyOps);
  for (let i = 0; i < options.latencyOps; i++) {
    const t = performance.now();
    await op();
    latencies[i] = (performance.now() - t) * 1000;
  }
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return { opsPerSecond, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function best(runs: readonly Measurement[]): Measurement {
  const byThroughput = [...runs].sort((a, b) => b.opsPerSecond - a.opsPerSecond);
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { opsPerSecond: median(byThroughput.map((r) => r.opsPerSecond)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
}

async function throughput(url: string, options: Options): Promise<void> {
  const ours = new Redis(url, { lazyConnect: true });
  const theirs = new Redis(url, { lazyConnect: true });
  await Promise.all([ours.connect(), theirs.connect()]);
  try {
    const store = new RedisStore({ client: ours, prefix: `bench-${process.pid}` });
    // limits far above what one client can reach, so every acquire is a grant (the common, hot path)
    const spec: LimitSpec = {
      key: 'openai:gpt-4o-mini',
      requestsPerMinute: 1e9,
      requestBurst: 1e9,
      tokensPerMinute: 1e12,
      tokenBurst: 1e12,
      tokensPerDay: undefined,
      learnRequests: false,
      learnTokens: false,
    };
    const parts: DemandPart[] = [{ spec, requests: 1, tokens: 120 }];
    await store.settle(spec, -1e12, 0); // a new key starts with an empty token bucket: fill it
    const limiter = new RateLimiterRedis({ storeClient: theirs, points: 1e9, duration: 60, keyPrefix: `bench-rlf-${process.pid}` });
    const oursOp = async (): Promise<void> => {
      if ((await store.acquire(parts, 0)) !== 0) throw new Error('RedisStore refused');
    };
    const theirsOp = (): Promise<unknown> => limiter.consume('openai:gpt-4o-mini', 1);
    const oursRuns: Measurement[] = [];
    const theirsRuns: Measurement[] = [];
    for (let round = 0; round < options.rounds; round++) {
      // alternate the order so drift in machine load hits both alike
      if (round % 2 === 0) {
        oursRuns.push(await measure(oursOp, options));
        theirsRuns.push(await measure(theirsOp, options));
      } else {
        theirsRuns.push(await measure(theirsOp, options));
        oursRuns.push(await measure(oursOp, options));
      }
    }
    if (store.degraded) throw new Error('RedisStore fell back during the benchmark: the numbers would not be Redis numbers');
    const a = best(oursRuns);
    const b = best(theirsRuns);
    const row = (name: string, m: Measurement): string[] => [name, Math.round(m.opsPerSecond).toLocaleString('en-US'), m.p50.toFixed(0), m.p99.toFixed(0)];
    console.log(`\nAcquire throughput, one Node client (${options.concurrency} in flight, ${options.ops} ops) and sequential latency (${options.latencyOps} ops); median of ${options.rounds} rounds`);
    console.log(
      table(
        ['limiter', 'ops/s', 'p50 µs', 'p99 µs'],
        [row('llm-resilience RedisStore.acquire (requests + tokens, all-or-nothing)', a), row('rate-limiter-flexible RateLimiterRedis.consume (one counter)', b)],
      ),
    );
    console.log(`ratio ours/theirs: ${(a.opsPerSecond / b.opsPerSecond).toFixed(2)}× throughput`);
  } finally {
    ours.disconnect();
    theirs.disconnect();
  }
}

function fairnessRows(label: string, results: readonly WorkerResult[]): string[][] {
  const all = results.flatMap((r) => r.grants).sort((x, y) => x - y);
  const start = all[0];
  const mid = (start + all[all.length - 1]) / 2;
  const firstHalf = all.filter((t) => t < mid).length;
  return results.map((r, i) => [
    `${label} #${i + 1}`,
    String(r.grants.length),
    `${((100 * r.grants.filter((t) => t < mid).length) / firstHalf).toFixed(1)}%`,
    Math.round(Math.max(...r.waits)).toString(),
    Math.round(Math.max(...r.grants) - start).toString(),
  ]);
}

async function fairness(url: string): Promise<void> {
  const base = { redisUrl: url, mode: 'noop' as const, instances: 4, commandTimeoutMs: 3000 };
  const equal: WorkerConfig[] = Array.from({ length: 4 }, () => ({ ...base, prefix: `fair-eq-${process.pid}`, key: 'equal', calls: 150, requestsPerMinute: 6000 }));
  const mixed: WorkerConfig[] = Array.from({ length: 4 }, (_, i) => ({
    ...base,
    prefix: `fair-mix-${process.pid}`,
    key: 'mixed',
    calls: 8,
    requestsPerMinute: 60_000,
    tokensPerMinute: 60_000,
    estimate: i === 0 ? 400 : 50,
  }));
  const a = await runWorkers(equal, 60_000);
  const b = await runWorkers(mixed, 60_000);
  console.log('\nFairness: 4 processes queueing on one Redis-backed key (all calls started at once)');
  console.log('  equal: 150 calls each, 6000 RPM · mixed: 8 calls each, 60k TPM, process #1 asks 400 tokens per call, the others 50');
  console.log(
    table(['process', 'grants', 'share of 1st half', 'max wait ms', 'last grant ms'], [...fairnessRows('equal', a.results), ...fairnessRows('mixed', b.results)]),
  );
  const mixedTokens = mixed.reduce((sum, c) => sum + c.calls * c.estimate!, 0);
  const mixedIdeal = (mixedTokens / mixed[0].tokensPerMinute!) * 60;
  console.log(
    `wall: equal ${(a.wallMs / 1000).toFixed(2)} s (ideal ${((600 / 6000) * 60).toFixed(2)} s), ` +
      `mixed ${(b.wallMs / 1000).toFixed(2)} s (ideal ${mixedIdeal.toFixed(2)} s: ${mixedTokens} tokens from an empty bucket)`,
  );
  console.log('a fair run: every process near 25% of the first half, and the large-demand process finishing with the others');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const availability = redisAvailability();
  if (availability.kind === 'none') {
    console.error(`redis-acquire benchmark: ${availability.reason}; install redis-server or set REDIS_URL`);
    process.exitCode = 1;
    return;
  }
  const server = availability.kind === 'binary' ? await startRedisServer() : undefined;
  const url = availability.kind === 'url' ? availability.url : server!.url;
  console.log(
    `Redis: ${server ? `local redis-server started for the run (${url})` : url} · Node ${process.version} · ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} · load ${loadavg()[0].toFixed(1)}`,
  );
  try {
    await throughput(url, options);
    if (options.fairness) await fairness(url);
  } finally {
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
