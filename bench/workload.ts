/**
 * The goodput workload: generated support-ticket chat requests, the emulator quota they run under, and how a
 * batch is measured (from the emulator's own counters, so every contender is judged by the same referee).
 */

import type OpenAI from 'openai';
import { startEmulator, type EmulatorCounters, type EmulatorHandle } from '../src/testing';

/** A chat-completions request body. */
export type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/** The provider quota of the benchmark model (per minute; enforced in 1-second slices by the emulator). */
export interface Quota {
  readonly requestsPerMinute: number;
  readonly tokensPerMinute: number;
}

/** Sizes of the goodput part. */
export interface GoodputSizes {
  /** Calls per contender. */
  readonly calls: number;
  /** The quota every contender runs under. */
  readonly quota: Quota;
}

/** Full run: 600 calls, token-bound (≈ 13 s ideal); quick run: 200 calls (≈ 4–5 s ideal). */
export function goodputSizes(quick: boolean): GoodputSizes {
  return quick
    ? { calls: 200, quota: { requestsPerMinute: 6000, tokensPerMinute: 240_000 } }
    : { calls: 600, quota: { requestsPerMinute: 6000, tokensPerMinute: 240_000 } };
}

/** The model the batch uses (the emulator keeps a separate quota for {@link WARM_UP_MODEL}). */
export const MODEL = 'gpt-4o-mini';
/** A model with its own emulator quota (same tokenizer family, so the emulator loads its BPE ranks too), used to warm clients up before the measured batch. */
export const WARM_UP_MODEL = 'gpt-4o-mini-warm-up';

const CUSTOMERS = ['Alice', 'Bogdan', 'Chen', 'Divya', 'Emeka', 'Fatima', 'Giulia', 'Hiroshi', 'Ines', 'Jonas'];
const PRODUCTS = ['wireless headset', 'standing desk', 'espresso machine', 'USB-C dock', 'mesh router', 'e-reader'];
const PROBLEMS = [
  'was charged twice on my card for the same order',
  'arrived with a cracked housing and will not power on',
  'stops charging after a few minutes',
  'was delivered to my old address even though I updated it',
  'shows error E-1042 every time I start it',
  'is missing the power adapter that the listing promised',
];
const ASKS = ['Please refund the duplicate charge.', 'Can you send a replacement?', 'What are my options?', 'I would like to return it.'];

/**
 * `n` chat requests summarising generated support tickets, `max_tokens` 50. Deterministic: request `i` is the
 * same in every run and every process (`offset` lets processes of a fleet take disjoint tickets).
 */
export function tickets(n: number, offset = 0): ChatRequest[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const customer = CUSTOMERS[i % CUSTOMERS.length];
    const product = PRODUCTS[(i * 7) % PRODUCTS.length];
    const problem = PROBLEMS[(i * 5) % PROBLEMS.length];
    const ask = ASKS[(i * 3) % ASKS.length];
    return {
      model: MODEL,
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'You are a support triage assistant. Summarise the ticket in one sentence and name the category.' },
        { role: 'user', content: `Ticket #${10_000 + i} from ${customer}: my ${product} (order ${400_000 + i * 13}) ${problem}. ${ask}` },
      ],
    };
  });
}

/** Starts a fresh emulator for one contender: the quota on every model, 1 s slices, 20–40 ms latency. */
export function startBenchEmulator(quota: Quota): Promise<EmulatorHandle> {
  return startEmulator({ ...quota, sliceMs: 1000, latencyMs: [20, 40] });
}

/** One contender's figures. */
/** The figures every goodput row reports (one process or a fleet). */
export interface BatchFigures {
  readonly contender: string;
  readonly calls: number;
  readonly completed: number;
  readonly failed: number;
  /** 429s the emulator sent. */
  readonly rateLimited: number;
  /** HTTP requests the emulator received (calls + retries). */
  readonly requests: number;
  readonly wallSeconds: number;
  /** max(succeeded / rpm, charged tokens / tpm) · 60, from the emulator's counters. */
  readonly idealSeconds: number;
  readonly ratio: number;
}

export interface BatchResult extends BatchFigures {
  /** The first few distinct failure messages. */
  readonly errors: readonly string[];
}

/** The ideal time of the work the emulator actually served, in seconds. */
export function idealFromCounters(counters: EmulatorCounters, quota: Quota): number {
  const charged = counters.promptTokens + counters.completionTokens;
  return Math.max(counters.succeeded / quota.requestsPerMinute, charged / quota.tokensPerMinute) * 60;
}

/** Summarises settled outcomes plus the emulator's counters into a {@link BatchResult}. */
export function summarise(
  contender: string,
  outcomes: ReadonlyArray<PromiseSettledResult<unknown>>,
  counters: EmulatorCounters,
  quota: Quota,
  wallSeconds: number,
): BatchResult {
  const errors = new Set<string>();
  let failed = 0;
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      failed++;
      if (errors.size < 3) errors.add(describeError(outcome.reason));
    }
  }
  const idealSeconds = idealFromCounters(counters, quota);
  return {
    contender,
    calls: outcomes.length,
    completed: outcomes.length - failed,
    failed,
    rateLimited: counters.rateLimited,
    requests: counters.requests,
    wallSeconds,
    idealSeconds,
    ratio: idealSeconds > 0 ? wallSeconds / idealSeconds : Number.NaN,
    errors: [...errors],
  };
}

/** A short, stable description of a failure. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message.slice(0, 120)}`;
  return String(error).slice(0, 120);
}
