/**
 * Part 2: per-call overhead of the full policy stack (all three decorators, in-memory store, limits so large
 * it is never throttled, a constant estimate) over a bare async call, next to cockatiel's retry policy,
 * rate-limiter-flexible's in-memory `consume` and p-retry. Sequential awaits and a concurrent variant; the
 * contenders are interleaved over several rounds and the median round is reported.
 *
 * Standalone: `node -r ./scripts/register.js bench/overhead.ts [--quick]`.
 * Profiling target: `... bench/overhead.ts --profile-ours [iterations] [file]` profiles only our full stack
 * (see profile.ts); for a whole-process profile use `node --cpu-prof -r ... bench/overhead.ts --profile-ours`.
 */

import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget } from '../decorators';
import { configureResilience } from '../src';
import { median, nowNs } from './measure';
import { fixed, textTable, type Column } from './table';

const load = new Function('s', 'return import(s)') as (s: string) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

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

/** One contender's figures (ns per call). */
export interface OverheadRow {
  readonly contender: string;
  /**
   * 1: before anything of ours ran; 2: our stacks with the default configuration (call context synchronous,
   * no AsyncLocalStorage); 3: after `asyncContext: true` (AsyncLocalStorage active in the process).
   */
  readonly phase: 1 | 2 | 3;
  /** Median round, ns per call, sequential awaits. */
  readonly sequentialNs: number;
  /** Minus the phase-1 bare call. */
  readonly sequentialOverNs: number;
  /** Overhead ÷ rate-limiter-flexible's overhead (sequential). */
  readonly sequentialRatio: number;
  /** Median round, ns per call, `concurrency` in flight. */
  readonly concurrentNs: number;
  readonly concurrentOverNs: number;
  readonly concurrentRatio: number;
}

/** The part's result. */
export interface OverheadResult {
  readonly sizes: OverheadSizes;
  readonly rows: OverheadRow[];
  /** Our full stack's overhead ÷ rate-limiter-flexible consume's overhead (sequential, concurrent). */
  readonly target: {
    /** Our full stack's overhead (phase 2, against the phase-1 bare call) ÷ rate-limiter-flexible's (phase 1). */
    readonly sequentialRatio: number;
    readonly concurrentRatio: number;
    /** Both ratios ≤ 1. */
    readonly met: boolean;
    /** Ours and rate-limiter-flexible's both measured in phase 2, side by side, each against that phase's bare call. */
    readonly samePhase: { readonly sequentialRatio: number; readonly concurrentRatio: number };
    /** Both measured with AsyncLocalStorage active (phase 3), each against the phase-3 bare call. */
    readonly asyncContext: { readonly sequentialRatio: number; readonly concurrentRatio: number };
    /** What AsyncLocalStorage being on adds to a bare async call elsewhere in the process, ns. */
    readonly asyncLocalStorageTaxNs: { readonly sequential: number; readonly concurrent: number };
  };
}

const RESULT = Object.freeze({ id: 'chatcmpl-bench', usage: Object.freeze({ total_tokens: 10 }) });
const ESTIMATE = 10;
const KEY = 'bench:overhead';
const HUGE = { requestsPerMinute: 1e12, tokensPerMinute: 1e15 };

async function bare(): Promise<unknown> {
  return RESULT;
}

/**
 * Our contenders: the full stack and two partial stacks (to see where the cost is).
 * @param asyncContext - switch AsyncLocalStorage on (`configureResilience({ asyncContext: true })`).
 */
function ourContenders(asyncContext = false): Record<string, Call> {
  configureResilience(container, { policies: { [KEY]: HUGE }, asyncContext });
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
  return {
    [OUR_FULL_STACK]: () => service.full(),
    'llm-resilience: @RateLimited only': () => service.rateOnly(),
    'llm-resilience: @AdaptiveRetry only': () => service.retryOnly(),
  };
}

/** Row label of the stack the target is about. */
export const OUR_FULL_STACK = 'llm-resilience: all three decorators';
/** Row label of the reference. */
export const RLF_CONSUME = 'rate-limiter-flexible: RateLimiterMemory.consume';
const BARE = 'bare async call';
const PHASE2 = ' [beside ours]';
const ALS = ' [asyncContext: true, AsyncLocalStorage active]';

async function peerContenders(): Promise<Record<string, Call>> {
  const policy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
  const limiter = new RateLimiterMemory({ points: 1e12, duration: 60 });
  const { default: pRetry } = (await load('p-retry')) as { default: (fn: () => Promise<unknown>, options: { retries: number }) => Promise<unknown> };
  return {
    [RLF_CONSUME]: async () => {
      await limiter.consume(KEY);
      return bare();
    },
    'cockatiel: retry(handleAll, 3 attempts).execute': () => policy.execute(bare),
    'p-retry: pRetry(fn, { retries: 3 })': () => pRetry(bare, { retries: 3 }),
  };
}

async function sequential(call: Call, n: number): Promise<number> {
  const start = nowNs();
  for (let i = 0; i < n; i++) await call();
  return Number(nowNs() - start) / n;
}

async function concurrent(call: Call, n: number, inFlight: number): Promise<number> {
  const batch: Array<Promise<unknown>> = new Array(inFlight);
  const batches = Math.max(1, Math.round(n / inFlight));
  const start = nowNs();
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < inFlight; i++) batch[i] = call();
    await Promise.all(batch);
  }
  return Number(nowNs() - start) / (batches * inFlight);
}

/** Warms every contender up, then measures them in interleaved rounds; returns median ns/call per contender. */
async function measureGroup(calls: Record<string, Call>, sizes: OverheadSizes): Promise<Map<string, { seq: number; conc: number }>> {
  const names = Object.keys(calls);
  // Check every contender really returns the result (a misconfigured stack would measure an error path).
  for (const name of names) {
    const value = await calls[name]!();
    if (value !== RESULT) throw new Error(`${name} returned ${String(value)}`);
  }
  for (const name of names) {
    await sequential(calls[name]!, sizes.warmUp);
    await concurrent(calls[name]!, sizes.warmUp, sizes.concurrency);
  }
  const seq = new Map<string, number[]>(names.map((n) => [n, []]));
  const conc = new Map<string, number[]>(names.map((n) => [n, []]));
  const perRound = Math.round(sizes.sequential / sizes.rounds);
  const perRoundConc = Math.round(sizes.concurrentCalls / sizes.rounds);
  for (let round = 0; round < sizes.rounds; round++) {
    // Rotate the order so no contender always runs right after the same neighbour.
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) seq.get(name)!.push(await sequential(calls[name]!, perRound));
    for (const name of order) conc.get(name)!.push(await concurrent(calls[name]!, perRoundConc, sizes.concurrency));
  }
  return new Map(names.map((n) => [n, { seq: median(seq.get(n)!), conc: median(conc.get(n)!) }]));
}

/**
 * Runs the part in three phases in one process. Phase 1, before anything of ours has run: the bare call and
 * the peers. Phase 2: our stacks with the default configuration, beside the bare call and rate-limiter-flexible
 * again. Phase 3, after `asyncContext: true` has switched AsyncLocalStorage on (Node 20 then runs promise hooks
 * for every promise in the process, ours or not): our stacks, the bare call and rate-limiter-flexible again.
 * The target compares our phase-2 overhead (against the phase-1 bare call) with rate-limiter-flexible's in
 * phase 1.
 */
export async function runOverhead(sizes: OverheadSizes): Promise<OverheadResult> {
  const peers = await peerContenders();
  const rlf = peers[RLF_CONSUME]!;
  const clean = await measureGroup({ [BARE]: bare, ...peers }, sizes);
  const ours = ourContenders();
  const beside = await measureGroup({ [BARE + PHASE2]: bare, ...ours, [RLF_CONSUME + PHASE2]: rlf }, sizes);
  const oursAls = Object.fromEntries(Object.entries(ourContenders(true)).map(([name, call]) => [name + ALS, call]));
  const active = await measureGroup({ [BARE + ALS]: bare, ...oursAls, [RLF_CONSUME + ALS]: rlf }, sizes);
  const bareSeq = clean.get(BARE)!.seq;
  const bareConc = clean.get(BARE)!.conc;
  const rlfSeq = clean.get(RLF_CONSUME)!.seq - bareSeq;
  const rlfConc = clean.get(RLF_CONSUME)!.conc - bareConc;
  const row = (contender: string, ns: { seq: number; conc: number }, phase: 1 | 2 | 3): OverheadRow => ({
    contender,
    phase,
    sequentialNs: ns.seq,
    sequentialOverNs: ns.seq - bareSeq,
    sequentialRatio: (ns.seq - bareSeq) / rlfSeq,
    concurrentNs: ns.conc,
    concurrentOverNs: ns.conc - bareConc,
    concurrentRatio: (ns.conc - bareConc) / rlfConc,
  });
  const rows = [
    row(BARE, clean.get(BARE)!, 1),
    ...Object.keys(ours).map((name) => row(name, beside.get(name)!, 2)),
    ...Object.keys(peers).map((name) => row(name, clean.get(name)!, 1)),
    row(BARE + PHASE2, beside.get(BARE + PHASE2)!, 2),
    row(RLF_CONSUME + PHASE2, beside.get(RLF_CONSUME + PHASE2)!, 2),
    ...Object.keys(oursAls).map((name) => row(name, active.get(name)!, 3)),
    row(BARE + ALS, active.get(BARE + ALS)!, 3),
    row(RLF_CONSUME + ALS, active.get(RLF_CONSUME + ALS)!, 3),
  ];
  const full = rows.find((r) => r.contender === OUR_FULL_STACK)!;
  const ratios = (group: Map<string, { seq: number; conc: number }>, suffix: string) => {
    const ourNs = group.get(OUR_FULL_STACK + suffix)!;
    const bareNs = group.get(BARE + suffix)!;
    const rlfNs = group.get(RLF_CONSUME + suffix)!;
    return {
      sequentialRatio: (ourNs.seq - bareNs.seq) / (rlfNs.seq - bareNs.seq),
      concurrentRatio: (ourNs.conc - bareNs.conc) / (rlfNs.conc - bareNs.conc),
    };
  };
  const aBare = active.get(BARE + ALS)!;
  return {
    sizes,
    rows,
    target: {
      sequentialRatio: full.sequentialRatio,
      concurrentRatio: full.concurrentRatio,
      met: full.sequentialRatio <= 1 && full.concurrentRatio <= 1,
      samePhase: ratios(new Map([...beside].map(([k, v]) => [k === OUR_FULL_STACK ? k + PHASE2 : k, v])), PHASE2),
      asyncContext: ratios(active, ALS),
      asyncLocalStorageTaxNs: { sequential: aBare.seq - bareSeq, concurrent: aBare.conc - bareConc },
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
    const isBare = r.contender === BARE;
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

function inspectorPost<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    (session.post as (m: string, p: object, cb: (error: Error | null, result: T) => void) => void)(method, params, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

/**
 * Runs only our full stack, sequentially: warms it up, then records a V8 CPU profile (inspector, 100 µs
 * sampling) of `iterations` calls — the hot path only, no startup — and writes it to `file` (.cpuprofile).
 */
export async function profileOurs(iterations: number, file: string): Promise<void> {
  const call = ourContenders()[OUR_FULL_STACK]!;
  await sequential(call, 100_000);
  const session = new Session();
  session.connect();
  try {
    await inspectorPost(session, 'Profiler.enable');
    await inspectorPost(session, 'Profiler.setSamplingInterval', { interval: 100 });
    await inspectorPost(session, 'Profiler.start');
    await sequential(call, iterations);
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
  if (process.send !== undefined) {
    process.send({ type: 'result', result }, () => process.disconnect());
    return;
  }
  console.log(overheadTable(result));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
