/**
 * Part 2: per-call overhead of the full policy stack (all three decorators, in-memory store, limits so large
 * it is never throttled, a constant estimate) over a bare async call, next to cockatiel's retry policy,
 * rate-limiter-flexible's in-memory `consume` and p-retry. Sequential awaits and a concurrent variant; the
 * contenders are interleaved over several rounds and the median round is reported.
 *
 * Fairness (bench/README.md, "Why two harnesses disagreed"): every figure is taken against the bare call of its
 * own group, and the target compares our stack with rate-limiter-flexible measured side by side in one group.
 * The reference is the bare method with `await limiter.consume(key)` as its first line (what an application
 * writes), not a wrapper that adds an async hop of its own. p-retry, whose allocations trigger full collections
 * that land in its neighbours' rounds, is measured in a group of its own. `overhead-built.js` measures the same
 * against the built package from plain JavaScript; the two agree within noise.
 *
 * Standalone: `node -r ./scripts/register.js bench/overhead.ts [--quick]` (add `--expose-gc` to collect between
 * groups, as `npm run bench` does).
 * Profiling target: `... bench/overhead.ts --profile-ours [iterations] [file]` profiles only our full stack
 * (see profile.ts); for a whole-process profile use `node --cpu-prof -r ... bench/overhead.ts --profile-ours`.
 */

import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AdaptiveRetry, RateLimited, TokenBudget } from '../decorators';
import { configureResilience } from '../src';
import { collect, median, nowNs } from './measure';
import { fixed, textTable, type Column } from './table';

// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a real dynamic import(): the CommonJS transpile would turn import() into require(), and p-retry is ESM only
const load = new Function('s', 'return import(s)') as (specifier: string) => Promise<unknown>;

/** Sizes of the overhead part. */
export interface OverheadSizes {
  /** Sequential calls per contender (split over the rounds). */
  readonly sequential: number;
  /** Calls per contender in the concurrent variant. */
  readonly concurrentCalls: number;
  /** Calls in flight at once in the concurrent variant. */
  readonly concurrency: number;
  /** Rounds the calls are split into (contenders interleaved; the median round counts). */
  readonly rounds: number;
  /** Warm-up calls per contender before measuring. */
  readonly warmUp: number;
}

/** Full: 200k sequential and 200k concurrent (1000 in flight) per contender; quick: a tenth. */
export function overheadSizes(quick: boolean): OverheadSizes {
  return quick
    ? { sequential: 20_000, concurrentCalls: 20_000, concurrency: 1000, rounds: 5, warmUp: 5_000 }
    : { sequential: 200_000, concurrentCalls: 200_000, concurrency: 1000, rounds: 10, warmUp: 50_000 };
}

type Call = () => Promise<unknown>;

/** A named contender. */
interface Contender {
  readonly name: string;
  readonly call: Call;
}

/**
 * The groups, measured one after the other in one process; contenders are interleaved within a group only.
 * 1: the bare call and the cheap peers, before anything of ours ran; 2: our stacks with the default
 * configuration (call context synchronous, no AsyncLocalStorage) side by side with the bare call and the peers —
 * the target's group; 3: p-retry (on its own: it allocates enough to trigger full collections in its
 * neighbours' rounds); 4: after `asyncContext: true` (AsyncLocalStorage active in the process).
 */
export type OverheadPhase = 1 | 2 | 3 | 4;

/** One contender's figures (ns per call). */
export interface OverheadRow {
  readonly contender: string;
  readonly phase: OverheadPhase;
  /** Median round, ns per call, sequential awaits. */
  readonly sequentialNs: number;
  /** Fastest round, ns per call, sequential awaits. */
  readonly sequentialBestNs: number;
  /** Minus the same group's bare call. */
  readonly sequentialOverNs: number;
  /** Overhead ÷ rate-limiter-flexible's overhead in the same group (phase 3 has none: phase 2's). */
  readonly sequentialRatio: number;
  /** Median round, ns per call, `concurrency` in flight. */
  readonly concurrentNs: number;
  readonly concurrentOverNs: number;
  readonly concurrentRatio: number;
}

/** Our full stack's overhead ÷ rate-limiter-flexible's, both against the same group's bare call. */
export interface OverheadRatios {
  /** Median rounds, sequential awaits. */
  readonly sequentialRatio: number;
  /** Fastest rounds, sequential awaits. */
  readonly sequentialBestRatio: number;
  /** Median rounds, `concurrency` in flight. */
  readonly concurrentRatio: number;
}

/** The part's result. */
export interface OverheadResult {
  readonly sizes: OverheadSizes;
  readonly rows: OverheadRow[];
  /** Our full stack's overhead ÷ rate-limiter-flexible's reference (`await consume(key)` in the method), phase 2. */
  readonly target: OverheadRatios & {
    /** Sequential and concurrent median ratios both ≤ 1. */
    readonly met: boolean;
    /** The same, against rate-limiter-flexible as a wrapper around the method (an async hop of its own). */
    readonly vsWrapper: OverheadRatios;
    /** The same, against `await limiter.consume(key)` alone (no call after it: a lower bound for the reference). */
    readonly vsConsumeAlone: OverheadRatios;
    /** Both measured with AsyncLocalStorage active (phase 4), each against that phase's bare call. */
    readonly asyncContext: OverheadRatios;
    /** What AsyncLocalStorage being on adds to a bare async call elsewhere in the process (phase 4 − phase 2), ns. */
    readonly asyncLocalStorageTaxNs: { readonly sequential: number; readonly concurrent: number };
  };
}

const RESULT = Object.freeze({ id: 'chatcmpl-bench', usage: Object.freeze({ total_tokens: 10 }) });
const ESTIMATE = 10;
const KEY = 'bench:overhead';
const HUGE = { requestsPerMinute: 1e12, tokensPerMinute: 1e15 };

/** Row label of the stack the target is about. */
export const OUR_FULL_STACK = 'llm-resilience: all three decorators';
/** Row label of the reference: the bare method with `await limiter.consume(key)` as its first line. */
export const RLF_CONSUME = 'rate-limiter-flexible: await consume(key) in the method';
/** Row label of rate-limiter-flexible as a wrapper around the method (this part's reference until the fairness fix). */
export const RLF_WRAPPER = 'rate-limiter-flexible: wrapper, await consume(key) then return method()';
/** Row label of `await limiter.consume(key)` alone. */
export const RLF_CONSUME_ALONE = 'rate-limiter-flexible: await consume(key) alone, no call after it';
const COCKATIEL = 'cockatiel: retry(handleAll, 3 attempts).execute';
const P_RETRY = 'p-retry: pRetry(fn, { retries: 3 })';
const BARE = 'bare async call';
/** Label suffix per phase (phase 2, the target's group, has none). */
const SUFFIX: Record<OverheadPhase, string> = {
  1: ' [before ours ran]',
  2: '',
  3: ' [own group]',
  4: ' [asyncContext: true, AsyncLocalStorage active]',
};

async function bare(): Promise<unknown> {
  return RESULT;
}

/**
 * Our contenders: the full stack and two partial stacks (to see where the cost is).
 * @param asyncContext - switch AsyncLocalStorage on (`configureResilience({ asyncContext: true })`).
 */
function ourContenders(asyncContext = false): Contender[] {
  configureResilience({ policies: { [KEY]: HUGE }, asyncContext });
  class Service {
    @AdaptiveRetry({ maxRetries: 3 })
    @RateLimited({ key: KEY })
    @TokenBudget({ key: KEY, estimate: () => ESTIMATE })
    async full(): Promise<unknown> {
      return RESULT;
    }

    @RateLimited({ key: KEY })
    async rateOnly(): Promise<unknown> {
      return RESULT;
    }

    @AdaptiveRetry({ maxRetries: 3 })
    async retryOnly(): Promise<unknown> {
      return RESULT;
    }
  }
  const service = new Service();
  return [
    { name: OUR_FULL_STACK, call: () => service.full() },
    { name: 'llm-resilience: @RateLimited only', call: () => service.rateOnly() },
    { name: 'llm-resilience: @AdaptiveRetry only', call: () => service.retryOnly() },
  ];
}

/** rate-limiter-flexible, in-memory, limits never reached: the reference and two other shapes of using it. */
function rlfContenders(): { reference: Contender; wrapper: Contender; alone: Contender } {
  const limiter = new RateLimiterMemory({ points: 1e12, duration: 60 });
  return {
    // what an application writes: the method, with the limiter's consume as its first line
    reference: {
      name: RLF_CONSUME,
      call: async () => {
        await limiter.consume(KEY);
        return RESULT;
      },
    },
    // a wrapper around the unchanged method: one more async function and a promise returned from it
    wrapper: {
      name: RLF_WRAPPER,
      call: async () => {
        await limiter.consume(KEY);
        return bare();
      },
    },
    alone: { name: RLF_CONSUME_ALONE, call: () => limiter.consume(KEY) },
  };
}

function cockatielContender(): Contender {
  const policy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
  return { name: COCKATIEL, call: () => policy.execute(bare) };
}

async function pRetryContender(): Promise<Contender> {
  const { default: pRetry } = (await load('p-retry')) as { default: (fn: () => Promise<unknown>, options: { retries: number }) => Promise<unknown> };
  return { name: P_RETRY, call: () => pRetry(bare, { retries: 3 }) };
}

/** Full collections between groups when node runs with --expose-gc (one group's garbage is not the next one's). */
async function settle(): Promise<void> {
  if ((globalThis as { gc?: unknown }).gc !== undefined) await collect();
}

async function sequential(call: Call, n: number): Promise<number> {
  const start = nowNs();
  for (let i = 0; i < n; i++) await call();
  return Number(nowNs() - start) / n;
}

async function concurrent(call: Call, n: number, inFlight: number): Promise<number> {
  const batch: Array<Promise<unknown>> = [];
  const batches = Math.max(1, Math.round(n / inFlight));
  const start = nowNs();
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < inFlight; i++) batch[i] = call();
    await Promise.all(batch);
  }
  return Number(nowNs() - start) / (batches * inFlight);
}

/** One contender's figures in its group, ns per call. */
interface Measured {
  /** Median round, sequential. */
  readonly seq: number;
  /** Fastest round, sequential. */
  readonly seqBest: number;
  /** Median round, concurrent. */
  readonly conc: number;
}

/** One group's figures by contender name. */
type Group = ReadonlyMap<string, Measured>;

function figures(group: Group, name: string): Measured {
  const found = group.get(name);
  if (found === undefined) throw new Error(`no figures for "${name}"`);
  return found;
}

/**
 * Warms every contender up, then measures them in interleaved rounds: the order rotates every round and is
 * reversed every other round (rotation alone keeps every contender after the same neighbour, whose garbage its
 * rounds would always collect). Median and fastest round per contender.
 */
async function measureGroup(contenders: readonly Contender[], sizes: OverheadSizes): Promise<Group> {
  // Check every contender really returns the result (a misconfigured stack would measure an error path).
  for (const { name, call } of contenders) {
    const value = await call();
    if (value !== RESULT && name !== RLF_CONSUME_ALONE) throw new Error(`${name} returned ${String(value)}`);
  }
  for (const { call } of contenders) {
    await sequential(call, sizes.warmUp);
    await concurrent(call, sizes.warmUp, sizes.concurrency);
  }
  const slots = contenders.map((contender) => ({ contender, seq: [] as number[], conc: [] as number[] }));
  const perRound = Math.round(sizes.sequential / sizes.rounds);
  const perRoundConc = Math.round(sizes.concurrentCalls / sizes.rounds);
  for (let round = 0; round < sizes.rounds; round++) {
    const rotated = slots.map((_, i) => slots[(i + round) % slots.length]);
    const order = round % 2 === 0 ? rotated : rotated.reverse();
    for (const slot of order) slot.seq.push(await sequential(slot.contender.call, perRound));
    for (const slot of order) slot.conc.push(await concurrent(slot.contender.call, perRoundConc, sizes.concurrency));
  }
  return new Map(slots.map(({ contender, seq, conc }) => [contender.name, { seq: median(seq), seqBest: Math.min(...seq), conc: median(conc) }]));
}

/** Our full stack's ratios against `reference`, within one group. */
function ratios(group: Group, reference: string): OverheadRatios {
  const o = figures(group, OUR_FULL_STACK);
  const b = figures(group, BARE);
  const r = figures(group, reference);
  return {
    sequentialRatio: (o.seq - b.seq) / (r.seq - b.seq),
    sequentialBestRatio: (o.seqBest - b.seqBest) / (r.seqBest - b.seqBest),
    concurrentRatio: (o.conc - b.conc) / (r.conc - b.conc),
  };
}

/**
 * Runs the part in four groups in one process (see {@link OverheadPhase}). Every row's overhead is taken against
 * the bare call of its own group and divided by rate-limiter-flexible's overhead in its own group: figures from
 * different groups are never mixed. The target is phase 2, where our stack and rate-limiter-flexible run side by
 * side.
 */
export async function runOverhead(sizes: OverheadSizes): Promise<OverheadResult> {
  const plain: Contender = { name: BARE, call: bare };
  const rlf = rlfContenders();
  const cockatiel = cockatielContender();
  const before = await measureGroup([plain, rlf.reference, cockatiel], sizes);
  await settle();
  const beside = await measureGroup([plain, ...ourContenders(), rlf.reference, rlf.wrapper, rlf.alone, cockatiel], sizes);
  await settle();
  const pRetryGroup = await measureGroup([plain, await pRetryContender()], sizes);
  await settle();
  const active = await measureGroup([plain, ...ourContenders(true), rlf.reference, rlf.alone], sizes);

  const groups: Array<[OverheadPhase, Group]> = [
    [1, before],
    [2, beside],
    [3, pRetryGroup],
    [4, active],
  ];
  const rows: OverheadRow[] = [];
  for (const [phase, group] of groups) {
    const b = figures(group, BARE);
    // p-retry's group has no rate-limiter-flexible: its ratio uses phase 2's overhead
    const withReference = group.has(RLF_CONSUME) ? group : beside;
    const r = figures(withReference, RLF_CONSUME);
    const rb = figures(withReference, BARE);
    for (const [contender, ns] of group) {
      rows.push({
        contender: contender + SUFFIX[phase],
        phase,
        sequentialNs: ns.seq,
        sequentialBestNs: ns.seqBest,
        sequentialOverNs: ns.seq - b.seq,
        sequentialRatio: (ns.seq - b.seq) / (r.seq - rb.seq),
        concurrentNs: ns.conc,
        concurrentOverNs: ns.conc - b.conc,
        concurrentRatio: (ns.conc - b.conc) / (r.conc - rb.conc),
      });
    }
  }
  const target = ratios(beside, RLF_CONSUME);
  const aBare = figures(active, BARE);
  const bBare = figures(beside, BARE);
  return {
    sizes,
    rows,
    target: {
      ...target,
      met: target.sequentialRatio <= 1 && target.concurrentRatio <= 1,
      vsWrapper: ratios(beside, RLF_WRAPPER),
      vsConsumeAlone: ratios(beside, RLF_CONSUME_ALONE),
      asyncContext: ratios(active, RLF_CONSUME),
      asyncLocalStorageTaxNs: { sequential: aBare.seq - bBare.seq, concurrent: aBare.conc - bBare.conc },
    },
  };
}

/** Table columns. */
export const OVERHEAD_COLUMNS: readonly Column[] = [
  { header: 'contender' },
  { header: 'seq ns/call', right: true },
  { header: 'seq overhead ns', right: true },
  { header: '÷ RLF', right: true },
  { header: '1000-in-flight ns/call', right: true },
  { header: 'overhead ns', right: true },
  { header: '÷ RLF', right: true },
];

/** Table rows. */
export function overheadRows(result: OverheadResult): string[][] {
  return result.rows.map((r) => {
    const isBare = r.contender.startsWith(BARE);
    return [
      r.contender,
      fixed(r.sequentialNs, 0),
      isBare ? '–' : fixed(r.sequentialOverNs, 0),
      isBare ? '–' : fixed(r.sequentialRatio, 2),
      fixed(r.concurrentNs, 0),
      isBare ? '–' : fixed(r.concurrentOverNs, 0),
      isBare ? '–' : fixed(r.concurrentRatio, 2),
    ];
  });
}

/** The printable table. */
export function overheadTable(result: OverheadResult): string {
  return textTable(OVERHEAD_COLUMNS, overheadRows(result));
}

/** The summary under the table: the target and the other references. */
export function overheadSummary(result: OverheadResult): string {
  const t = result.target;
  const pair = (r: OverheadRatios): string =>
    `${r.sequentialRatio.toFixed(2)} sequential (fastest rounds ${r.sequentialBestRatio.toFixed(2)}), ${r.concurrentRatio.toFixed(2)} concurrent`;
  return [
    `Target (our full stack's overhead ≤ rate-limiter-flexible's, \`await consume(key)\` in the method, side by side): ${pair(t)} → ${t.met ? 'met' : 'NOT met'}.`,
    `Against rate-limiter-flexible as a wrapper around the method: ${pair(t.vsWrapper)}; against \`await consume(key)\` alone: ${pair(t.vsConsumeAlone)}.`,
    `With asyncContext: true (AsyncLocalStorage active for both): ${pair(t.asyncContext)}; ` +
      `AsyncLocalStorage then adds ${t.asyncLocalStorageTaxNs.sequential.toFixed(0)} ns to every other awaited call in the process.`,
  ].join('\n');
}

function inspectorPost<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    (session.post as (m: string, p: object, cb: (error: Error | null, result: T) => void) => void)(method, params, (error, result) => {
      if (error) reject(error);
      else resolve(result);
    });
  });
}

/**
 * Runs only our full stack, sequentially: warms it up, then records a V8 CPU profile (inspector, 100 µs
 * sampling) of `iterations` calls — the hot path only, no startup — and writes it to `file` (.cpuprofile).
 */
export async function profileOurs(iterations: number, file: string): Promise<void> {
  const full = ourContenders().find((c) => c.name === OUR_FULL_STACK);
  if (full === undefined) throw new Error('no full stack to profile');
  await sequential(full.call, 100_000);
  const session = new Session();
  session.connect();
  try {
    await inspectorPost(session, 'Profiler.enable');
    await inspectorPost(session, 'Profiler.setSamplingInterval', { interval: 100 });
    await inspectorPost(session, 'Profiler.start');
    await sequential(full.call, iterations);
    const { profile } = await inspectorPost<{ profile: unknown }>(session, 'Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
  } finally {
    session.disconnect();
  }
}

async function main(): Promise<void> {
  const profileAt = process.argv.indexOf('--profile-ours');
  if (profileAt >= 0) {
    const iterations = Number(process.argv[profileAt + 1]) || 1_000_000;
    await profileOurs(iterations, process.argv[profileAt + 2] ?? 'ours.cpuprofile');
    return;
  }
  const result = await runOverhead(overheadSizes(process.argv.includes('--quick')));
  const send = process.send?.bind(process);
  if (send !== undefined) {
    send({ type: 'result', result }, () => process.disconnect());
    return;
  }
  console.log(`${overheadTable(result)}\n\n${overheadSummary(result)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
