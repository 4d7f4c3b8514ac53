/**
 * Part 'fleet' (issue 12's acceptance figures): a fleet that holds the quota from its first second.
 *
 * - **Cold fleet**: 4 processes (then 1) share one `RedisStore` quota, each creating its ioredis client and store
 *   in the same tick as its first call (`__tests__/helpers/redis-worker.ts`, `coldRedis`); 600 chat calls through
 *   the real openai SDK at 30,000 RPM / 1.5M TPM, enforced by the emulator in 1-second slices, once with the
 *   emulator giving unused `max_tokens` back at the end (`refundUnused: true`) and once keeping the whole up-front
 *   charge (`false`, all OpenAI documents). Figures: calls completed, 429s, wall time against an ideal that credits
 *   the provider's initial one-second burst (the slice starts full), the first call's wait.
 * - **Distant Redis**: 2 processes behind a TCP proxy adding 25 ms each way to every Redis exchange, 6,000 RPM:
 *   the fleet's rate in its steady state (from the second second on) as a share of the quota's rate.
 *
 * The Redis integration tests assert correctness for the same runs; the shares and ratios printed here move with
 * machine load and are asserted nowhere.
 */

import { loadavg } from 'node:os';
import OpenAI from 'openai';
import { startEmulator, type EmulatorHandle } from '../src/testing';
import { loadRedisHelper } from './optional';
import { textTable, type Column } from './table';

/** One cold-fleet run. */
export interface ColdFleetRow {
  readonly processes: number;
  readonly refundUnused: boolean;
  readonly calls: number;
  readonly completed: number;
  readonly rateLimited: number;
  readonly wallSeconds: number;
  /** max((succeeded − RPM/60) / RPM, (charged tokens − TPM/60) / TPM) · 60: the initial one-second burst credited. */
  readonly idealSeconds: number;
  readonly ratio: number;
  /** Longest first-call wait for capacity over the processes, ms. */
  readonly firstWaitMs: number;
  readonly degraded: boolean;
  readonly errors: readonly string[];
  /** One-minute load average when the run ended. */
  readonly load: number;
}

/** One distant-Redis run. */
export interface DistantRow {
  readonly processes: number;
  readonly latencyMs: number;
  readonly calls: number;
  readonly completed: number;
  readonly rateLimited: number;
  /** Requests per second admitted by the provider from the second second to the last admission. */
  readonly steadyRate: number;
  /** `steadyRate` over the quota's rate. */
  readonly share: number;
  readonly wallSeconds: number;
  readonly load: number;
}

/** The part's outcome. */
export type FleetColdOutcome =
  | { readonly ran: true; readonly cold: ColdFleetRow[]; readonly distant: DistantRow[] }
  | { readonly ran: false; readonly skipped: string };

/** The cold fleet's quota. */
export const COLD_QUOTA = { requestsPerMinute: 30_000, tokensPerMinute: 1_500_000 } as const;
/** The distant-Redis quota (request-bound). */
export const DISTANT_QUOTA = { requestsPerMinute: 6000, tokensPerMinute: 60_000_000 } as const;
/** Prompt filler and completion budget of the cold fleet's calls: about 125 prompt tokens + 100 max_tokens. */
const PROMPT_WORDS = 100;
const MAX_TOKENS = 100;

const MODEL = 'gpt-4o-mini';

async function warmEmulator(emulator: EmulatorHandle): Promise<void> {
  const warm = new OpenAI({ apiKey: 'test', baseURL: emulator.url, maxRetries: 0 });
  await warm.chat.completions.create({ model: 'gpt-4o-mini-warm-up', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 });
  emulator.resetCounters();
}

/**
 * One cold-fleet run: `processes` children, 600 calls in all.
 * @param redisUrl - the Redis to share the quota through.
 */
export async function runColdFleet(redisUrl: string, processes: number, refundUnused: boolean, calls = 600): Promise<ColdFleetRow> {
  const { runWorkers } = await import('../__tests__/helpers/redis-worker');
  const emulator = await startEmulator({ ...COLD_QUOTA, sliceMs: 1000, latencyMs: [20, 40], refundUnused });
  try {
    await warmEmulator(emulator);
    const prefix = `bench-cold-${process.pid}-${Date.now()}-${processes}-${String(refundUnused)}`;
    const { results, wallMs } = await runWorkers(
      Array.from({ length: processes }, () => ({
        redisUrl,
        prefix,
        key: `openai:${MODEL}`,
        mode: 'emulator' as const,
        emulatorUrl: emulator.url,
        calls: calls / processes,
        requestsPerMinute: COLD_QUOTA.requestsPerMinute,
        tokensPerMinute: COLD_QUOTA.tokensPerMinute,
        promptWords: PROMPT_WORDS,
        maxTokens: MAX_TOKENS,
        coldRedis: true,
      })),
      120_000,
    );
    const counters = emulator.counters();
    const model = (counters.perModel[MODEL] as { succeeded: number; rateLimited: number } | undefined) ?? { succeeded: 0, rateLimited: 0 };
    const charged = refundUnused
      ? counters.promptTokens + counters.completionTokens
      : emulator.admissions(MODEL).reduce((sum, a) => sum + a.tokens, 0);
    const idealSeconds = burstCreditedIdeal(model.succeeded, charged, COLD_QUOTA);
    const wallSeconds = wallMs / 1000;
    return {
      processes,
      refundUnused,
      calls,
      completed: results.reduce((n, r) => n + r.completed, 0),
      rateLimited: model.rateLimited,
      wallSeconds,
      idealSeconds,
      ratio: wallSeconds / idealSeconds,
      firstWaitMs: Math.max(...results.map((r) => r.firstWaitMs)),
      degraded: results.some((r) => r.degraded),
      errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 3),
      load: loadavg()[0],
    };
  } finally {
    await emulator.close();
  }
}

/**
 * The ideal time of a batch on a quota enforced in one-second slices that start full: what does not fit in the
 * first second's burst, at the per-minute rate.
 * @param succeeded - requests served.
 * @param tokens - tokens the provider kept charged.
 */
export function burstCreditedIdeal(succeeded: number, tokens: number, quota: { requestsPerMinute: number; tokensPerMinute: number }): number {
  const requests = Math.max(0, succeeded - quota.requestsPerMinute / 60) / quota.requestsPerMinute;
  const charged = Math.max(0, tokens - quota.tokensPerMinute / 60) / quota.tokensPerMinute;
  return Math.max(requests, charged) * 60;
}

/**
 * One distant-Redis run: `processes` children whose Redis is behind a proxy adding `latencyMs` each way.
 * @param target - the real Redis.
 */
export async function runDistantRedis(target: { host: string; port: number }, processes = 2, latencyMs = 25, calls = 800): Promise<DistantRow> {
  const { runWorkers } = await import('../__tests__/helpers/redis-worker');
  const { startTcpProxy } = await import('../__tests__/helpers/redis-server');
  const proxy = await startTcpProxy(target);
  proxy.latencyMs = latencyMs;
  const emulator = await startEmulator({ ...DISTANT_QUOTA, sliceMs: 1000, latencyMs: [20, 40] });
  try {
    await warmEmulator(emulator);
    const prefix = `bench-distant-${process.pid}-${Date.now()}`;
    const { results, wallMs } = await runWorkers(
      Array.from({ length: processes }, () => ({
        redisUrl: proxy.url,
        prefix,
        key: `openai:${MODEL}`,
        mode: 'emulator' as const,
        emulatorUrl: emulator.url,
        calls: calls / processes,
        requestsPerMinute: DISTANT_QUOTA.requestsPerMinute,
        tokensPerMinute: DISTANT_QUOTA.tokensPerMinute,
        estimate: 40,
        maxTokens: 20,
        commandTimeoutMs: 3000,
      })),
      120_000,
    );
    const admissions = emulator.admissions(MODEL).map((a) => a.at);
    const counters = emulator.counters();
    const steadyRate = steadyRateOf(admissions);
    return {
      processes,
      latencyMs,
      calls,
      completed: results.reduce((n, r) => n + r.completed, 0),
      rateLimited: (counters.perModel[MODEL] as { rateLimited: number } | undefined)?.rateLimited ?? 0,
      steadyRate,
      share: steadyRate / (DISTANT_QUOTA.requestsPerMinute / 60),
      wallSeconds: wallMs / 1000,
      load: loadavg()[0],
    };
  } finally {
    await emulator.close();
    await proxy.close();
  }
}

/**
 * Events per second from one second after the first event to the last (the first second holds the burst).
 * @param times - event times, ms.
 */
export function steadyRateOf(times: readonly number[]): number {
  if (times.length < 2) return Number.NaN;
  const sorted = [...times].sort((a, b) => a - b);
  const from = sorted[0] + 1000;
  const last = sorted[sorted.length - 1];
  const steady = sorted.filter((t) => t > from).length;
  return last > from ? (steady / (last - from)) * 1000 : Number.NaN;
}

/** Runs the part: 4 and 1 cold processes in both refund modes, then the distant Redis; or says why not. */
export async function runFleetCold(quick: boolean, log: (line: string) => void): Promise<FleetColdOutcome> {
  const helper = loadRedisHelper();
  if (helper === undefined) return { ran: false, skipped: '__tests__/helpers/redis-server.ts is missing' };
  const availability = helper.redisAvailability();
  if (availability.kind === 'none') return { ran: false, skipped: `${availability.reason} (set REDIS_URL or install redis-server)` };
  let server: { url: string; host: string; port: number; stop(): Promise<void> };
  if (availability.kind === 'url') {
    const url = new URL(availability.url);
    server = { url: availability.url, host: url.hostname, port: Number(url.port || 6379), stop: () => Promise.resolve() };
  } else {
    server = await helper.startRedisServer();
  }
  try {
    const cold: ColdFleetRow[] = [];
    const repeats = quick ? 1 : 2;
    for (let r = 0; r < repeats; r++) {
      for (const refundUnused of [true, false]) {
        for (const processes of [4, 1]) {
          const row = await runColdFleet(server.url, processes, refundUnused);
          log(`  cold fleet: ${coldLine(row)}`);
          cold.push(row);
        }
      }
    }
    const distant: DistantRow[] = [];
    for (let r = 0; r < repeats; r++) {
      const row = await runDistantRedis(server, 2, 25, quick ? 400 : 800);
      log(`  distant Redis: ${distantLine(row)}`);
      distant.push(row);
    }
    return { ran: true, cold, distant };
  } finally {
    await server.stop();
  }
}

function coldLine(r: ColdFleetRow): string {
  return (
    `${r.processes} process(es), refundUnused ${String(r.refundUnused)}: ${r.completed}/${r.calls} completed, ${r.rateLimited} 429s, ` +
    `${r.wallSeconds.toFixed(2)} s (${r.ratio.toFixed(3)}× the burst-credited ideal ${r.idealSeconds.toFixed(2)} s), first call waited ` +
    `${r.firstWaitMs.toFixed(1)} ms${r.degraded ? ', store degraded!' : ''}${r.errors.length > 0 ? `, errors: ${r.errors.join('; ')}` : ''} (load ${r.load.toFixed(2)})`
  );
}

function distantLine(r: DistantRow): string {
  return (
    `${r.processes} processes, Redis ${r.latencyMs} ms away each way: ${r.completed}/${r.calls} completed, ${r.rateLimited} 429s, ` +
    `steady ${r.steadyRate.toFixed(1)} requests/s = ${(r.share * 100).toFixed(1)} % of the quota's rate, wall ${r.wallSeconds.toFixed(2)} s (load ${r.load.toFixed(2)})`
  );
}

/** Table columns of the cold fleet. */
export const COLD_COLUMNS: readonly Column[] = [
  { header: 'cold fleet (30k RPM / 1.5M TPM, 600 calls)' },
  { header: 'completed', right: true },
  { header: '429s', right: true },
  { header: 'wall s', right: true },
  { header: 'ideal s (burst credited)', right: true },
  { header: 'wall/ideal', right: true },
  { header: 'first call wait ms', right: true },
  { header: 'load', right: true },
];

/** Rows of the cold fleet. */
export function coldRows(rows: readonly ColdFleetRow[]): string[][] {
  return rows.map((r) => [
    `${r.processes} process${r.processes === 1 ? '' : 'es'}, refundUnused ${String(r.refundUnused)}${r.degraded ? ' (degraded!)' : ''}`,
    `${r.completed}/${r.calls}`,
    String(r.rateLimited),
    r.wallSeconds.toFixed(2),
    r.idealSeconds.toFixed(2),
    r.ratio.toFixed(3),
    r.firstWaitMs.toFixed(1),
    r.load.toFixed(2),
  ]);
}

/** Table columns of the distant Redis. */
export const DISTANT_COLUMNS: readonly Column[] = [
  { header: 'distant Redis (6,000 RPM)' },
  { header: 'completed', right: true },
  { header: '429s', right: true },
  { header: 'steady requests/s', right: true },
  { header: 'share of the quota', right: true },
  { header: 'wall s', right: true },
  { header: 'load', right: true },
];

/** Rows of the distant Redis. */
export function distantRows(rows: readonly DistantRow[]): string[][] {
  return rows.map((r) => [
    `${r.processes} processes, +${r.latencyMs} ms each way`,
    `${r.completed}/${r.calls}`,
    String(r.rateLimited),
    r.steadyRate.toFixed(1),
    `${(r.share * 100).toFixed(1)} %`,
    r.wallSeconds.toFixed(2),
    r.load.toFixed(2),
  ]);
}

/** The printable tables. */
export function fleetColdTables(outcome: FleetColdOutcome): string {
  if (!outcome.ran) return `fleet part skipped: ${outcome.skipped}`;
  return `${textTable(COLD_COLUMNS, coldRows(outcome.cold))}\n\n${textTable(DISTANT_COLUMNS, distantRows(outcome.distant))}`;
}
