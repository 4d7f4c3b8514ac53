/**
 * Shared by the runtime's client tests (`interceptor.clients.*`, `streams/*`): a runtime configured on the
 * global container with a fresh store and its events recorded, a fetch that records every request's timing and
 * answer (to check a retry waited the server's hint), and reading a key's state.
 */
import 'reflect-metadata';
import { container } from 'tsyringe';
import {
  MemoryStore,
  configureResilience,
  type KeyView,
  type LimitSpec,
  type RateLimitedEvent,
  type ResilienceRuntime,
  type RetryEvent,
  type SdkRetriedEvent,
  type StreamEndEvent,
  type SucceededEvent,
} from '../../../index';
import type { ResilienceOptions } from '../../../src/runtime/resilience-options';

export { emulators, longest, waitFor } from '../testing/emulator/support';

/** What a test's runtime published. */
export interface Recorded {
  readonly runtime: ResilienceRuntime;
  readonly store: MemoryStore;
  readonly succeeded: SucceededEvent[];
  readonly streamEnds: StreamEndEvent[];
  readonly retries: RetryEvent[];
  readonly rateLimited: RateLimitedEvent[];
  readonly sdkRetried: SdkRetriedEvent[];
}

/**
 * Configures the runtime on the global container with a fresh `MemoryStore` and records its events.
 * @param options - more runtime options (a logger, ...).
 */
export function configureRecorded(options: Omit<ResilienceOptions, 'store'> = {}): Recorded {
  const store = new MemoryStore();
  const runtime = configureResilience(container, { ...options, store });
  const recorded: Recorded = { runtime, store, succeeded: [], streamEnds: [], retries: [], rateLimited: [], sdkRetried: [] };
  runtime.events.onSucceeded((e) => recorded.succeeded.push(e));
  runtime.events.onStreamEnd((e) => recorded.streamEnds.push(e));
  runtime.events.onRetry((e) => recorded.retries.push(e));
  runtime.events.onRateLimited((e) => recorded.rateLimited.push(e));
  runtime.events.onSdkRetried((e) => recorded.sdkRetried.push(e));
  return recorded;
}

/** A key's state in the store (spec fields other than the key only shape the levels, not `dayUsed`). */
export function viewOf(store: MemoryStore, key: string): KeyView | undefined {
  const spec: LimitSpec = { key, requestsPerMinute: undefined, requestBurst: 1, tokensPerMinute: undefined, tokenBurst: 0, tokensPerDay: undefined, learnRequests: true, learnTokens: true };
  return store.view(spec, Date.now());
}

/** One HTTP exchange a client made: when it was sent and answered, its status and headers. */
export interface Exchange {
  readonly url: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
  readonly headers: Headers;
  /** The body of an error answer (status ≥ 400), read from a clone. */
  readonly errorBody: string | undefined;
}

/**
 * A fetch for a client's `fetch` option that records every exchange (wrap it in `observingFetch` to also show
 * the headers to the runtime).
 */
export function recordingFetch(): { fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  return {
    exchanges,
    fetch: async (input, init) => {
      const sentAt = performance.now();
      const response = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const answeredAt = performance.now();
      const errorBody = response.status >= 400 ? await response.clone().text() : undefined;
      exchanges.push({ url, sentAt, answeredAt, status: response.status, headers: response.headers, errorBody });
      return response;
    },
  };
}

/**
 * The server's wait on a 429 in ms: `retry-after-ms`, else `retry-after` seconds, else (Gemini, which sends no
 * headers) the `google.rpc.RetryInfo` `retryDelay` of the error body.
 */
export function serverWaitMs(exchange: Exchange): number | undefined {
  const ms = exchange.headers.get('retry-after-ms');
  if (ms !== null) return Number(ms);
  const seconds = exchange.headers.get('retry-after');
  if (seconds !== null) return Number(seconds) * 1000;
  const body = JSON.parse(exchange.errorBody ?? '{}') as { error?: { details?: Array<{ '@type'?: string; retryDelay?: string }> } };
  const delay = body.error?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo') === true)?.retryDelay;
  return delay === undefined ? undefined : Number(delay.replace(/s$/, '')) * 1000;
}

/**
 * For each 429 in `exchanges`, the gap between its answer and the next request, with the server's wait.
 * @returns one entry per 429 that was followed by another request.
 */
export function retryGaps(exchanges: readonly Exchange[]): Array<{ gapMs: number; hintMs: number | undefined }> {
  const gaps: Array<{ gapMs: number; hintMs: number | undefined }> = [];
  for (let i = 0; i + 1 < exchanges.length; i++) {
    const e = exchanges[i];
    if (e.status === 429) gaps.push({ gapMs: exchanges[i + 1].sentAt - e.answeredAt, hintMs: serverWaitMs(e) });
  }
  return gaps;
}

/** Milliseconds since `start` (performance.now()). */
export const since = (start: number): number => performance.now() - start;
