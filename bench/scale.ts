/**
 * Part 3: scale. (a) 100,000 calls queued on one key: memory per waiting call, time to drain at a high limit,
 * event-loop delay while draining, and the number of pending timers (one per key, however many wait).
 * (b) 10,000 distinct keys: memory per key and the cost of a call at 10 keys vs 10,000 keys.
 *
 * Each is measured twice: through the decorated stack (all three decorators, what a service pays), and on the
 * `Limiter` + `MemoryStore` directly (the limiter's own share). Needs `node --expose-gc`.
 * Standalone: `node --expose-gc -r ./scripts/register.js bench/scale.ts [--quick]`.
 */

import 'reflect-metadata';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget } from '../decorators';
import { configureResilience, MemoryStore, systemClock, type DemandPart, type LimitSpec } from '../src';
import { activeInterceptor } from '../src/runtime/configure';
import { Limiter, type AcquireBounds } from '../src/limits/limiter';
import { median, nowNs } from './measure';
import { fixed, int, textTable, type Column } from './table';

/** Sizes of the scale part. */
export interface ScaleSizes {
  /** Calls queued on one key. */
  readonly queued: number;
  /** Requests per minute of the queue's key while draining. */
  readonly drainRpm: number;
  /** Request burst of that key (what one timer wake-up can grant). */
  readonly drainBurst: number;
  /** Distinct keys. */
  readonly keys: number;
  /** Calls timed per key-count variant. */
  readonly keyCalls: number;
}

/** Full: 100k queued, 10k keys; quick: 20k queued, 10k keys with fewer timed calls. */
export function scaleSizes(quick: boolean): ScaleSizes {
  return quick
    ? { queued: 20_000, drainRpm: 6_000_000, drainBurst: 1000, keys: 10_000, keyCalls: 50_000 }
    : { queued: 100_000, drainRpm: 6_000_000, drainBurst: 1000, keys: 10_000, keyCalls: 300_000 };
}

/** Queue figures of one variant. */
export interface QueueFigures {
  readonly variant: string;
  /** Calls started at once. */
  readonly calls: number;
  /** Of those, waiting in the queue right after they were started (drain run). */
  readonly queued: number;
  /** Calls waiting in the memory run (slow key). */
  readonly memoryQueued: number;
  /** Time to start all calls (synchronous part), ns per call. */
  readonly enqueueNsPerCall: number;
  /** Heap growth per waiting call, bytes (after full GCs, promises held; memory run). */
  readonly bytesPerWaiter: number;
  /** From the start of the drain until the last call resolved, s. */
  readonly drainSeconds: number;
  /** `queued / (drainRpm / 60)`, s. */
  readonly idealDrainSeconds: number;
  /** Grants per second achieved while draining. */
  readonly grantsPerSecond: number;
  /** Event-loop delay while draining, ms. */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  /** Most pending `Timeout`s seen while the queue drained (sampled on grants), minus those before. */
  readonly maxPendingTimers: number;
}

/** Key figures of one variant. */
export interface KeyFigures {
  readonly variant: string;
  readonly keys: number;
  /** Heap growth per key after one call on each, bytes (undefined for the reference row). */
  readonly bytesPerKey: number | undefined;
  /** ns per call, round-robin over 10, 1,000 and `keys` keys. */
  readonly nsPerCall: { readonly 10: number; readonly 1000: number; readonly all: number };
}

/** The part's result. */
export interface ScaleResult {
  readonly sizes: ScaleSizes;
  readonly queue: QueueFigures[];
  readonly keys: KeyFigures[];
}

function gcSync(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run node with --expose-gc');
  gc();
  gc();
}

async function settleHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gcSync();
    await new Promise((resolve) => setImmediate(resolve));
  }
  gcSync();
  return process.memoryUsage().heapUsed;
}

function pendingTimeouts(): number {
  let n = 0;
  for (const kind of process.getActiveResourcesInfo()) if (kind === 'Timeout') n++;
  return n;
}

/** Starts `n` calls synchronously and returns the heap they hold (synchronous GCs: no timer runs in between). */
async function heldBytes(n: number, start: (i: number) => Promise<unknown>, queuedNow: () => number): Promise<{ bytes: number; queued: number; all: Promise<unknown> }> {
  const promises = new Array<Promise<unknown>>(n);
  await settleHeap();
  gcSync();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) promises[i] = start(i).catch(() => undefined);
  const queued = queuedNow();
  gcSync();
  const after = process.memoryUsage().heapUsed;
  return { bytes: (after - before) / Math.max(1, queued), queued, all: Promise.all(promises) };
}

/**
 * (1) Memory: `n` calls on a slow key (1 request/s, burst 1, maxWaitMs 1.5 s), so all but the first wait; the
 * heap they hold is measured, then they time out together. (2) Drain: `n` calls on the fast key, started at
 * once, then drained at `drainRpm` while event-loop delay and pending timers are watched.
 */
async function queueRun(
  variant: string,
  sizes: ScaleSizes,
  slow: { start: (i: number) => Promise<unknown>; queued: () => number },
  fast: { start: (i: number) => Promise<unknown>; queued: () => number },
  timers: { max: number; sample(): void },
): Promise<QueueFigures> {
  const n = sizes.queued;
  const memory = await heldBytes(n, slow.start, slow.queued);
  await memory.all;
  const promises = new Array<Promise<unknown>>(n);
  await settleHeap();
  const baseTimers = pendingTimeouts();
  const t0 = nowNs();
  for (let i = 0; i < n; i++) promises[i] = fast.start(i);
  const enqueueNs = Number(nowNs() - t0);
  const queued = fast.queued();
  timers.max = 0;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const drainStart = nowNs();
  await Promise.all(promises);
  const drainSeconds = Number(nowNs() - drainStart) / 1e9;
  delay.disable();
  return {
    variant,
    calls: n,
    queued,
    memoryQueued: memory.queued,
    enqueueNsPerCall: enqueueNs / n,
    bytesPerWaiter: memory.bytes,
    drainSeconds,
    idealDrainSeconds: queued / (sizes.drainRpm / 60),
    grantsPerSecond: queued / drainSeconds,
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: delay.max / 1e6,
    maxPendingTimers: Math.max(0, timers.max - baseTimers),
  };
}

const SCALE_KEY = 'bench:scale';

const SLOW_KEY = 'bench:scale-slow';
const SLOW = { requestsPerMinute: 60, requestBurst: 1, maxWaitMs: 1500 };

async function decoratedQueue(sizes: ScaleSizes): Promise<QueueFigures> {
  const maxQueue = sizes.queued * 2;
  configureResilience(container, {
    policies: {
      [SCALE_KEY]: { requestsPerMinute: sizes.drainRpm, requestBurst: sizes.drainBurst, tokensPerMinute: 1e15, maxQueue, maxWaitMs: 600_000 },
      [SLOW_KEY]: { ...SLOW, tokensPerMinute: 1e15, maxQueue },
    },
  });
  const timers = { max: 0, sample: () => (timers.max = Math.max(timers.max, pendingTimeouts())) };
  let granted = 0;
  class Service {
    @AdaptiveRetry({ maxRetries: 3 })
    @RateLimited({ key: SCALE_KEY })
    @TokenBudget({ key: SCALE_KEY, estimate: () => 10 })
    async call(i: number): Promise<number> {
      if (++granted % 500 === 0) timers.sample();
      return i;
    }

    @AdaptiveRetry({ maxRetries: 3 })
    @RateLimited({ key: SLOW_KEY })
    @TokenBudget({ key: SLOW_KEY, estimate: () => 10 })
    async slow(i: number): Promise<number> {
      return i;
    }
  }
  const service = new Service();
  // Warm the stack up, and empty the fast key's bucket.
  await Promise.all(Array.from({ length: 2 * sizes.drainBurst + 10 }, (_, i) => service.call(i)));
  await service.slow(0);
  const limiter = activeInterceptor().limiter;
  return queueRun(
    'decorated stack (all three decorators)',
    sizes,
    { start: (i) => service.slow(i), queued: () => limiter.queued(SLOW_KEY) },
    { start: (i) => service.call(i), queued: () => limiter.queued(SCALE_KEY) },
    timers,
  );
}

function spec(key: string, rpm: number, burst: number): LimitSpec {
  return {
    key,
    requestsPerMinute: rpm,
    requestBurst: burst,
    tokensPerMinute: undefined,
    tokenBurst: 0,
    tokensPerDay: undefined,
    learnRequests: false,
    learnTokens: false,
  };
}

async function limiterQueue(sizes: ScaleSizes): Promise<QueueFigures> {
  const limiter = new Limiter(new MemoryStore(), systemClock, Math.random);
  const fastParts: DemandPart[] = [{ spec: spec(SCALE_KEY, sizes.drainRpm, sizes.drainBurst), requests: 1, tokens: 0 }];
  const slowParts: DemandPart[] = [{ spec: spec(SLOW_KEY, SLOW.requestsPerMinute, SLOW.requestBurst), requests: 1, tokens: 0 }];
  const fastBounds: AcquireBounds = { onLimit: 'queue', maxWaitMs: 600_000, maxQueue: sizes.queued * 2 };
  const slowBounds: AcquireBounds = { onLimit: 'queue', maxWaitMs: SLOW.maxWaitMs, maxQueue: sizes.queued * 2 };
  const timers = { max: 0, sample: () => (timers.max = Math.max(timers.max, pendingTimeouts())) };
  let granted = 0;
  const onGrant = (): void => {
    if (++granted % 500 === 0) timers.sample();
  };
  const acquire = (key: string, parts: DemandPart[], bounds: AcquireBounds): Promise<void> => {
    const waiting = limiter.acquire(key, parts, bounds, undefined);
    if (waiting !== undefined) return waiting.then(onGrant);
    onGrant();
    return Promise.resolve();
  };
  await Promise.all(Array.from({ length: 2 * sizes.drainBurst + 10 }, () => acquire(SCALE_KEY, fastParts, fastBounds)));
  await acquire(SLOW_KEY, slowParts, slowBounds);
  return queueRun(
    'Limiter + MemoryStore directly',
    sizes,
    { start: () => acquire(SLOW_KEY, slowParts, slowBounds), queued: () => limiter.queued(SLOW_KEY) },
    { start: () => acquire(SCALE_KEY, fastParts, fastBounds), queued: () => limiter.queued(SCALE_KEY) },
    timers,
  );
}

/**
 * ns per call when calls go round-robin over the first 10, the first 1,000 and all of `keys` (every key touched
 * first, so the state of all of them exists throughout). The three are interleaved over 7 rounds and the median
 * round counts, so load from other processes hits them alike. A synchronous answer (undefined) is not awaited.
 */
async function perKeyCount(keys: readonly string[], call: (key: string) => Promise<unknown> | undefined, calls: number): Promise<KeyFigures['nsPerCall']> {
  for (const key of keys) await call(key);
  const counts = [10, 1000, keys.length];
  const samples: number[][] = counts.map(() => []);
  const rounds = 7;
  const perRound = Math.ceil(calls / rounds);
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < counts.length; c++) {
      const count = counts[c];
      const start = nowNs();
      for (let i = 0; i < perRound; i++) {
        const pending = call(keys[(r * perRound + i) % count]);
        if (pending !== undefined) await pending;
      }
      samples[c].push(Number(nowNs() - start) / perRound);
    }
  }
  return { 10: median(samples[0]), 1000: median(samples[1]), all: median(samples[2]) };
}

const makeKeys = (count: number, tag: string): string[] => Array.from({ length: count }, (_, i) => `tenant-${i}-${tag}:gpt-4o-mini`);

async function decoratedKeys(sizes: ScaleSizes): Promise<KeyFigures> {
  configureResilience(container);
  class Service {
    @AdaptiveRetry({ maxRetries: 3 })
    @RateLimited({ key: (key: string) => key, requestsPerMinute: 1e9 })
    @TokenBudget({ key: (key: string) => key, tokensPerMinute: 1e12, estimate: () => 10 })
    async call(key: string): Promise<string> {
      return key;
    }
  }
  const service = new Service();
  for (let i = 0; i < 20_000; i++) await service.call(`warm-${i % 100}`);
  // Per-key state is bounded at 10,000 keys (plans, telemetry, guards): start from a fresh configuration so
  // the warm-up keys are gone and the measured keys all fit.
  configureResilience(container);
  const keys = makeKeys(sizes.keys, 'memory');
  const before = await settleHeap();
  await Promise.all(keys.map((k) => service.call(k)));
  const after = await settleHeap();
  const nsPerCall = await perKeyCount(keys, (key) => service.call(key), sizes.keyCalls);
  return { variant: 'decorated stack (key function)', keys: sizes.keys, bytesPerKey: (after - before) / sizes.keys, nsPerCall };
}

async function limiterKeys(sizes: ScaleSizes): Promise<KeyFigures> {
  const bounds: AcquireBounds = { onLimit: 'queue', maxWaitMs: 60_000, maxQueue: 10_000 };
  const partsByKey = new Map<string, DemandPart[]>();
  const partsFor = (key: string): DemandPart[] => {
    let parts = partsByKey.get(key);
    if (parts === undefined) {
      parts = [{ spec: spec(key, 1e9, 1e9 / 60), requests: 1, tokens: 0 }];
      partsByKey.set(key, parts);
    }
    return parts;
  };
  const limiter = new Limiter(new MemoryStore(), systemClock, Math.random);
  const names = makeKeys(sizes.keys, 'memory');
  const keys = names.map(partsFor);
  const before = await settleHeap();
  // some acquires are granted at once (undefined), the others wait: all must be done
  await Promise.all(keys.map(async (p) => limiter.acquire(p[0].spec.key, p, bounds, undefined)));
  const after = await settleHeap();
  const nsPerCall = await perKeyCount(names, (key) => limiter.acquire(key, partsByKey.get(key)!, bounds, undefined), sizes.keyCalls);
  return { variant: 'Limiter.acquire + MemoryStore (sync grant)', keys: sizes.keys, bytesPerKey: (after - before) / sizes.keys, nsPerCall };
}

/** Reference: the same access pattern on a plain Map<string, object> (a lookup and two field writes). */
async function mapReference(sizes: ScaleSizes): Promise<KeyFigures> {
  const map = new Map<string, { level: number; at: number }>();
  const nsPerCall = await perKeyCount(
    makeKeys(sizes.keys, 'map'),
    (key) => {
      let entry = map.get(key);
      if (entry === undefined) map.set(key, (entry = { level: 0, at: 0 }));
      entry.level++;
      entry.at = performance.now();
      return undefined;
    },
    sizes.keyCalls,
  );
  return { variant: 'reference: plain Map.get + 2 field writes', keys: sizes.keys, bytesPerKey: undefined, nsPerCall };
}

/** Runs the part. */
export async function runScale(sizes: ScaleSizes): Promise<ScaleResult> {
  const queue = [await limiterQueue(sizes), await decoratedQueue(sizes)];
  const keys = [await mapReference(sizes), await limiterKeys(sizes), await decoratedKeys(sizes)];
  return { sizes, queue, keys };
}

/** Columns of the queue table. */
export const QUEUE_COLUMNS: readonly Column[] = [
  { header: 'one key, calls waiting' },
  { header: 'waiting', right: true },
  { header: 'bytes/waiter', right: true },
  { header: 'enqueue ns/call', right: true },
  { header: 'drain s', right: true },
  { header: 'ideal s', right: true },
  { header: 'grants/s', right: true },
  { header: 'loop delay p99 ms', right: true },
  { header: 'max ms', right: true },
  { header: 'timers', right: true },
];

/** Rows of the queue table. */
export function queueRows(result: ScaleResult): string[][] {
  return result.queue.map((q) => [
    q.variant,
    int(q.memoryQueued),
    int(q.bytesPerWaiter),
    int(q.enqueueNsPerCall),
    fixed(q.drainSeconds, 2),
    fixed(q.idealDrainSeconds, 2),
    int(q.grantsPerSecond),
    fixed(q.eventLoopDelayP99Ms, 1),
    fixed(q.eventLoopDelayMaxMs, 1),
    String(q.maxPendingTimers),
  ]);
}

/** Columns of the keys table. */
export const KEY_COLUMNS: readonly Column[] = [
  { header: 'distinct keys' },
  { header: 'bytes/key', right: true },
  { header: 'ns/call, 10 keys', right: true },
  { header: '1,000 keys', right: true },
  { header: '10,000 keys', right: true },
  { header: '10k ÷ 10', right: true },
];

/** Rows of the keys table. */
export function keyRows(result: ScaleResult): string[][] {
  return result.keys.map((k) => [
    k.variant,
    k.bytesPerKey === undefined ? '–' : int(k.bytesPerKey),
    int(k.nsPerCall[10]),
    int(k.nsPerCall[1000]),
    int(k.nsPerCall.all),
    fixed(k.nsPerCall.all / k.nsPerCall[10], 2),
  ]);
}

/** The printable tables. */
export function scaleTables(result: ScaleResult): string {
  return `${textTable(QUEUE_COLUMNS, queueRows(result))}\n\n${textTable(KEY_COLUMNS, keyRows(result))}`;
}

async function main(): Promise<void> {
  const result = await runScale(scaleSizes(process.argv.includes('--quick')));
  if (process.send !== undefined) {
    process.send({ type: 'result', result }, () => process.disconnect());
    return;
  }
  console.log(scaleTables(result));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
