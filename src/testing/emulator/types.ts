/**
 * The emulator's public types: options, counters, the handle.
 * @packageDocumentation
 */

import type { FaultProbabilities } from './faults';

/** Per-minute limits of one model. */
export interface EmulatorModelQuota {
  /** Requests per minute (> 0). */
  requestsPerMinute: number;
  /** Tokens per minute (> 0), counted as prompt tokens + the completion budget, up front. */
  tokensPerMinute: number;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port to listen on; default 0 (a free port). The host is always 127.0.0.1. */
  port?: number;
  /** Default requests per minute for any model without an override; default 500. */
  requestsPerMinute?: number;
  /** Default tokens per minute for any model without an override; default 30000. */
  tokensPerMinute?: number;
  /** Per-model quota overrides, keyed by the request's `model`. */
  models?: Record<string, EmulatorModelQuota>;
  /**
   * Enforcement slice in ms; default 1000. Each per-minute limit is also enforced as a bucket of
   * capacity `limit * sliceMs / 60000` refilling continuously at `limit / 60000` per ms (like
   * OpenAI's "60,000 RPM may be enforced as 1,000 RPS"), so bursts get 429s while the minute
   * total is under the limit. A request costing more than the slice capacity is admitted from a
   * full slice bucket (which then runs into debt). 0 disables slicing (minute bucket only).
   */
  sliceMs?: number;
  /**
   * Latency of admitted requests (200s and injected faults) before the response: fixed ms or a
   * `[min, max]` uniform range; default `[20, 40]`. 0 responds synchronously. 400/404/429 and
   * outage 503s are answered at once.
   */
  latencyMs?: number | readonly [number, number];
  /**
   * Fault probabilities per request, drawn once after the quota check admits it (so faulted
   * requests consume quota, like a real provider). Earlier kinds win if they sum above 1.
   */
  faults?: FaultProbabilities;
  /**
   * Give `max_tokens - completion_tokens` back to the model's token buckets when a 200 is sent;
   * default true.
   */
  refundUnusedCompletion?: boolean;
  /** Uniform random source in [0, 1) for latency, faults and completion length; default `Math.random`. */
  random?: () => number;
  /** Prompt text token counter; default the library's `countTextTokens`. */
  countTokens?: (text: string, model?: string) => number;
  /**
   * Start with every chat request answered by a 429 whose `error.code` is `insufficient_quota`
   * (no quota is consumed); see {@link EmulatorHandle.setInsufficientQuota}. Default false.
   */
  insufficientQuota?: boolean;
  /**
   * Completion budget charged up front (and the maximum generated length) when a request sets
   * neither `max_completion_tokens` nor `max_tokens`; default 16.
   */
  defaultMaxTokens?: number;
}

/** A snapshot of the emulator's counters (chat endpoint only). */
export interface EmulatorCounters {
  /**
   * Every HTTP request received on the chat endpoint. Once all are answered:
   * `requests = succeeded + rateLimited + serverErrors + dropped + badRequests + aborted`.
   */
  requests: number;
  /** 200s sent. */
  succeeded: number;
  /** 429s sent (quota refusals, "request too large" and `insufficient_quota`). */
  rateLimited: number;
  /** 500/503/529 sent (injected faults and outage). */
  serverErrors: number;
  /** Connections destroyed without a response (the `drop` fault). */
  dropped: number;
  /** 400/413 sent (invalid JSON or parameters). */
  badRequests: number;
  /** Requests whose client went away before the response could be sent. */
  aborted: number;
  /** Prompt tokens of successful responses. */
  promptTokens: number;
  /** Completion tokens of successful responses. */
  completionTokens: number;
  /** Peak number of requests in flight at once (from arrival to response). */
  maxConcurrent: number;
  /** Per-model counts, for models that received at least one valid request. */
  perModel: Record<string, { requests: number; succeeded: number; rateLimited: number }>;
}

/** One request admitted by the quota check. */
export interface EmulatorAdmission {
  /** Admission time in ms (`performance.now()` of the emulator's process). */
  at: number;
  /** Tokens charged up front (prompt tokens + completion budget), before any refund. */
  tokens: number;
}

/** A running emulator. */
export interface EmulatorHandle {
  /** Base URL to pass as the OpenAI SDK `baseURL`, e.g. `http://127.0.0.1:43123/v1`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** @returns a snapshot copy of the counters. */
  counters(): EmulatorCounters;
  /** Zeroes the counters and clears the admission log; quota buckets keep their state. */
  resetCounters(): void;
  /** @param active - while true, every chat request is answered 503 at once (no quota consumed). */
  setOutage(active: boolean): void;
  /** @param active - while true, every chat request is answered 429 `insufficient_quota` (no quota consumed). */
  setInsufficientQuota(active: boolean): void;
  /** @param faults - replaces the fault probabilities (undefined = no faults). */
  setFaults(faults: EmulatorOptions['faults']): void;
  /**
   * Requests admitted by the quota check, oldest first — for asserting that no window exceeded
   * the quota. Includes admitted requests that were then answered with an injected fault. The
   * log costs two numbers per admission and is cleared by {@link EmulatorHandle.resetCounters}.
   * @param model - one model; all models when omitted.
   * @returns a detached copy.
   */
  admissions(model?: string): readonly EmulatorAdmission[];
  /** Closes the server and every socket and cancels pending responses; leaves no timers. */
  close(): Promise<void>;
}
