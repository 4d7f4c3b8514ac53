/**
 * Part 4: reliability under provider faults, with real timings, through the real openai SDK against the emulator
 * (the figures behind the README's reliability table; the tests assert only what does not move with machine load).
 * - a 600-call batch with 2.5 % 500s, 2.5 % 529s and 1 % dropped connections, `maxRetries: 5`;
 * - a full outage (30 s; 10 s with --quick), one call started every 100 ms, the default overload breaker:
 *   how many calls failed fast and how fast, how many requests still reached the provider, how soon after the
 *   outage the first call succeeded, and whether the next 20 did.
 * The same outage runs on the fake clock in `__tests__/unit/runtime/interceptor.outage.test.ts`.
 */

import 'reflect-metadata';
import OpenAI from 'openai';
import { container } from 'tsyringe';
import { AdaptiveRetry, RateLimited, TokenBudget } from '../decorators';
import {
  CircuitOpenError,
  RetryExhaustedError,
  configureResilience,
  currentCall,
  estimateChatTokens,
  observingFetch,
} from '../src';
import { startEmulator } from '../src/testing';
import { median } from './measure';
import { fixed, textTable, type Column } from './table';
import type { ChatRequest } from './workload';

/** Sizes of the faults part. */
export interface FaultsSizes {
  /** Calls in the faulty batch. */
  readonly calls: number;
  /** Length of the full outage, seconds. */
  readonly outageSeconds: number;
}

/** Full run: 600 calls and a 30-second outage; quick run: 200 calls and 10 seconds. */
export function faultsSizes(quick: boolean): FaultsSizes {
  return quick ? { calls: 200, outageSeconds: 10 } : { calls: 600, outageSeconds: 30 };
}

const MODEL = 'gpt-4o-mini';
const QUOTA = { requestsPerMinute: 6000, tokensPerMinute: 400_000 };
const FAULTS = { serverError: 0.025, overloaded: 0.025, drop: 0.01 };
const EVERY_MS = 100;
const key = (req: ChatRequest): string => `openai:${req.model}`;

function request(i: number): ChatRequest {
  return { model: MODEL, max_completion_tokens: 30, messages: [{ role: 'user', content: `Summarise ticket ${i}: the export is late again.` }] };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The faulty batch's figures (from the emulator's counters). */
export interface FaultBatchResult {
  readonly calls: number;
  readonly completed: number;
  readonly failed: number;
  /** HTTP requests the emulator received (calls + retries). */
  readonly requests: number;
  /** Injected 500s and 529s. */
  readonly serverErrors: number;
  /** Injected dropped connections. */
  readonly dropped: number;
  readonly rateLimited: number;
  readonly wallSeconds: number;
}

/** The outage's figures. */
export interface OutageResult {
  readonly outageSeconds: number;
  /** Calls started during the outage. */
  readonly calls: number;
  /** Of them, rejected with CircuitOpenError without a request. */
  readonly failedFast: number;
  /** Requests that reached the provider during the outage. */
  readonly sentDuringOutage: number;
  /** What `maxRetries: 2` would have sent without the breaker (3 per call). */
  readonly withoutBreakerWouldSend: number;
  readonly fastFailMedianMs: number;
  readonly fastFailMaxMs: number;
  /** From the end of the outage to the first call that succeeded; undefined if none did within 10 s. */
  readonly recoveredAfterMs: number | undefined;
  /** Of 20 calls right after recovery, how many succeeded. */
  readonly afterRecovery: number;
}

/** The part's outcome. */
export interface FaultsResult {
  readonly batch: FaultBatchResult;
  readonly outage: OutageResult;
}

async function runBatch(calls: number): Promise<FaultBatchResult> {
  const emulator = await startEmulator({ ...QUOTA, latencyMs: [10, 30], faults: FAULTS });
  try {
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: emulator.url, maxRetries: 0, fetch: observingFetch() });
    configureResilience(container, { policies: { [`openai:${MODEL}`]: QUOTA } });
    class Service {
      @AdaptiveRetry({ maxRetries: 5, baseDelayMs: 50 })
      @RateLimited({ key })
      @TokenBudget({ key, estimate: (req: ChatRequest) => estimateChatTokens(req) })
      async call(req: ChatRequest): Promise<unknown> {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const service = new Service();
    estimateChatTokens(request(0)); // loads the tokenizer outside the measured time
    const started = performance.now();
    const outcomes = await Promise.allSettled(Array.from({ length: calls }, (_, i) => service.call(request(i))));
    const wallSeconds = (performance.now() - started) / 1000;
    const c = emulator.counters();
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    return { calls, completed: calls - failed, failed, requests: c.requests, serverErrors: c.serverErrors, dropped: c.dropped, rateLimited: c.rateLimited, wallSeconds };
  } finally {
    await emulator.close();
  }
}

async function runOutage(outageSeconds: number): Promise<OutageResult> {
  const emulator = await startEmulator({ ...QUOTA, latencyMs: [5, 15] });
  try {
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: emulator.url, maxRetries: 0 });
    configureResilience(container, { policies: { [`openai:${MODEL}`]: QUOTA } });
    class Service {
      @AdaptiveRetry({ maxRetries: 2, baseDelayMs: 100 }) // default breaker: ≥ 10 attempts, 50 % failures, 5 s cool-off
      @RateLimited({ key })
      async call(req: ChatRequest): Promise<unknown> {
        return client.chat.completions.create(req, { signal: currentCall()?.signal });
      }
    }
    const service = new Service();
    for (let i = 0; i < 20; i++) await service.call(request(i));

    emulator.setOutage(true);
    const outageStart = performance.now();
    const sentBefore = emulator.counters().requests;
    const results: Array<{ fast: boolean; ok: boolean; ms: number }> = [];
    const pending: Array<Promise<void>> = [];
    while (performance.now() - outageStart < outageSeconds * 1000) {
      const t = performance.now();
      pending.push(
        service.call(request(0)).then(
          () => void results.push({ fast: false, ok: true, ms: performance.now() - t }),
          (e: unknown) => void results.push({ fast: e instanceof CircuitOpenError, ok: false, ms: performance.now() - t }),
        ),
      );
      await sleep(EVERY_MS);
    }
    await Promise.all(pending);
    const sentDuringOutage = emulator.counters().requests - sentBefore;
    emulator.setOutage(false);
    const outageEnd = performance.now();
    let recoveredAfterMs: number | undefined;
    while (performance.now() - outageEnd < 10_000) {
      const ok = await service.call(request(1)).then(
        () => true,
        (e: unknown) => {
          if (!(e instanceof CircuitOpenError || e instanceof RetryExhaustedError)) throw e;
          return false;
        },
      );
      if (ok) {
        recoveredAfterMs = performance.now() - outageEnd;
        break;
      }
      await sleep(EVERY_MS);
    }
    const after = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => service.call(request(i))));
    const fast = results.filter((r) => r.fast).map((r) => r.ms);
    return {
      outageSeconds,
      calls: results.length,
      failedFast: fast.length,
      sentDuringOutage,
      withoutBreakerWouldSend: results.length * 3,
      fastFailMedianMs: fast.length > 0 ? median(fast) : Number.NaN,
      fastFailMaxMs: fast.length > 0 ? Math.max(...fast) : Number.NaN,
      recoveredAfterMs,
      afterRecovery: after.filter((o) => o.status === 'fulfilled').length,
    };
  } finally {
    await emulator.close();
  }
}

/** Runs the faulty batch, then the outage, printing a line after each. */
export async function runFaults(sizes: FaultsSizes, log: (line: string) => void): Promise<FaultsResult> {
  const batch = await runBatch(sizes.calls);
  log(`  faulty batch: ${batch.completed}/${batch.calls} completed, ${batch.requests} requests, ${batch.wallSeconds.toFixed(2)} s`);
  const outage = await runOutage(sizes.outageSeconds);
  log(`  ${outage.outageSeconds} s outage: ${outage.failedFast}/${outage.calls} failed fast, ${outage.sentDuringOutage} requests reached the provider`);
  return { batch, outage };
}

/** Columns of the faulty-batch table. */
export const FAULT_BATCH_COLUMNS: readonly Column[] = [
  { header: 'faults' },
  { header: 'completed', right: true },
  { header: 'failed', right: true },
  { header: 'HTTP requests', right: true },
  { header: '5xx/529', right: true },
  { header: 'dropped', right: true },
  { header: '429s', right: true },
  { header: 'wall s', right: true },
];

/** The faulty batch as a table row. */
export function faultBatchRows(r: FaultsResult): string[][] {
  const b = r.batch;
  return [
    [
      '2.5 % 500, 2.5 % 529, 1 % dropped; maxRetries 5',
      `${b.completed}/${b.calls}`,
      String(b.failed),
      String(b.requests),
      String(b.serverErrors),
      String(b.dropped),
      String(b.rateLimited),
      fixed(b.wallSeconds, 2),
    ],
  ];
}

/** Columns of the outage table. */
export const OUTAGE_COLUMNS: readonly Column[] = [
  { header: 'full outage' },
  { header: 'calls', right: true },
  { header: 'failed fast', right: true },
  { header: 'fast fail ms (median / max)', right: true },
  { header: 'requests sent', right: true },
  { header: 'without breaker', right: true },
  { header: 'recovered after ms', right: true },
  { header: 'after recovery', right: true },
];

/** The outage as a table row. */
export function outageRows(r: FaultsResult): string[][] {
  const o = r.outage;
  return [
    [
      `${o.outageSeconds} s, a call every ${EVERY_MS} ms, default breaker`,
      String(o.calls),
      String(o.failedFast),
      `${fixed(o.fastFailMedianMs, 2)} / ${fixed(o.fastFailMaxMs, 2)}`,
      String(o.sentDuringOutage),
      `~${o.withoutBreakerWouldSend}`,
      o.recoveredAfterMs === undefined ? 'not within 10 s' : fixed(o.recoveredAfterMs, 0),
      `${o.afterRecovery}/20`,
    ],
  ];
}

/** The printable tables. */
export function faultsTables(r: FaultsResult): string {
  return `${textTable(FAULT_BATCH_COLUMNS, faultBatchRows(r))}\n\n${textTable(OUTAGE_COLUMNS, outageRows(r))}`;
}
