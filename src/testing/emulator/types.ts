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

/**
 * An endpoint family of the emulator, the key of {@link EmulatorCounters.perEndpoint}:
 * `POST /v1/chat/completions`, `POST /v1/responses`, `POST /v1/messages` (Anthropic), and Gemini's
 * `POST /v1beta/models/{model}:generateContent` / `:streamGenerateContent`.
 */
export type EmulatorEndpoint = 'chat.completions' | 'responses' | 'messages' | 'generateContent';

/**
 * How streamed answers (`stream: true`, Gemini `:streamGenerateContent?alt=sse`) are paced and broken, on every
 * endpoint. A streamed answer is written as text chunks of {@link tokensPerChunk} completion tokens; the
 * dialect's opening events (the role chunk, `response.created`…, `message_start`…) go out with the first chunk
 * and its closing events (finish and usage chunks, `[DONE]`, `response.completed`, `message_stop`) right after
 * the last. A stream is counted when it ends: `succeeded` when whole, `dropped`, `serverErrors` (error event) or
 * `aborted` (the client went away).
 */
export interface EmulatorStreamOptions {
  /** Completion tokens (about one word each) per text chunk; default 1, a delta per token as providers send. */
  tokensPerChunk?: number;
  /**
   * Time to first token: ms between the response headers and the first chunk, fixed or a `[min, max]` uniform
   * range; default 0. The headers go out after `latencyMs`, as for any answer.
   */
  firstChunkDelayMs?: number | readonly [number, number];
  /** Ms before each later chunk, fixed or `[min, max]`; default 0. */
  chunkDelayMs?: number | readonly [number, number];
  /**
   * Destroy the connection after this many text chunks: 0 right after the headers, before any event; the
   * answer's chunk count or more, after all the text but before the closing events. Every stream while set.
   */
  dropAfterChunks?: number;
  /**
   * Send the dialect's error event after this many text chunks and end the response without the closing
   * events. Every stream while set; when both are set, the earlier of this and {@link dropAfterChunks} wins.
   */
  errorAfterChunks?: number;
  /** Probability in [0, 1] that a stream is dropped after a uniformly drawn number of chunks (0 to all). */
  drop?: number;
  /** Probability in [0, 1] that a stream ends in an error event after a uniformly drawn number of chunks. */
  error?: number;
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
   * Latency of admitted requests (200s and injected faults) before the response — for a stream, before its
   * headers (then `streaming` paces the events): fixed ms or a `[min, max]` uniform range; default `[20, 40]`.
   * 0 responds synchronously. 400/404/429 and outage 503s are answered at once.
   */
  latencyMs?: number | readonly [number, number];
  /**
   * Fault probabilities per request, drawn once after the quota check admits it (so faulted
   * requests consume quota, like a real provider). Earlier kinds win if they sum above 1.
   */
  faults?: FaultProbabilities;
  /**
   * Give the unused output budget (`max_tokens` minus the tokens generated) back to the model's token buckets
   * when an answer ends — a non-streamed 200 when it is sent, a stream when it ends (a cut stream keeps only
   * the tokens it delivered). Every endpoint. Default true, the behaviour this emulator always had; `false`
   * keeps the whole up-front charge, which is all OpenAI documents (Anthropic corrects output at the end).
   */
  refundUnused?: boolean;
  /**
   * @deprecated Use {@link EmulatorOptions.refundUnused}; same meaning. Setting both to different values is an
   * error.
   */
  refundUnusedCompletion?: boolean;
  /** Pacing and mid-stream faults of streamed answers; see {@link EmulatorStreamOptions}. Default: none. */
  streaming?: EmulatorStreamOptions;
  /** Uniform random source in [0, 1) for latency, faults and completion length; default `Math.random`. */
  random?: () => number;
  /** Prompt text token counter; default the library's `countTextTokens`. */
  countTokens?: (text: string, model?: string) => number;
  /**
   * Start with every request answered as an account out of credit (no quota is consumed); see
   * {@link EmulatorHandle.setInsufficientQuota}. Default false.
   */
  insufficientQuota?: boolean;
  /**
   * Output budget charged up front (and the maximum generated length) when a request sets none
   * (`max_completion_tokens`/`max_tokens`, `max_output_tokens`, `generationConfig.maxOutputTokens`; Anthropic
   * requires `max_tokens`); default 16.
   */
  defaultMaxTokens?: number;
}

/** How the requests of one endpoint ended; see {@link EmulatorCounters} for each field. */
export interface EmulatorEndpointCounters {
  /** Requests received. */
  requests: number;
  /** Answers sent whole (200s, and streams that reached their end). */
  succeeded: number;
  /** 429s sent. */
  rateLimited: number;
  /** 5xx sent, and streams ended by an error event. */
  serverErrors: number;
  /** Connections destroyed (before the response, or mid-stream). */
  dropped: number;
  /** 400/413 sent. */
  badRequests: number;
  /** Requests and streams whose client went away first. */
  aborted: number;
  /** Streamed answers started (200 with server-sent events). */
  streams: number;
}

/** A snapshot of the emulator's counters, over every endpoint. */
export interface EmulatorCounters {
  /**
   * Every HTTP request received on a model endpoint (chat completions, responses, messages, Gemini). Once
   * all are answered: `requests = succeeded + rateLimited + serverErrors + dropped + badRequests + aborted`.
   * A stream is counted once, when it ends.
   */
  requests: number;
  /** Answers sent whole: non-streamed 200s, and streams that reached their end. */
  succeeded: number;
  /** 429s sent (quota refusals, "request too large", and the insufficient-quota switch where it is a 429). */
  rateLimited: number;
  /** 500/503/529 sent (injected faults and outage), and streams ended by an injected error event. */
  serverErrors: number;
  /** Connections destroyed: without a response (the `drop` fault), or mid-stream (stream drops). */
  dropped: number;
  /** 400/413 sent (invalid JSON or parameters; Anthropic's out-of-credit answer is a 400). */
  badRequests: number;
  /** Requests and streams whose client went away before the answer was complete. */
  aborted: number;
  /** Streamed answers started (200 with server-sent events), however they ended. */
  streams: number;
  /** Prompt tokens of answers sent whole. */
  promptTokens: number;
  /** Completion tokens of answers sent whole. */
  completionTokens: number;
  /** Peak number of requests in flight at once (from arrival to the end of the response or stream). */
  maxConcurrent: number;
  /** Per-model counts, for models that received at least one valid request. */
  perModel: Record<string, { requests: number; succeeded: number; rateLimited: number }>;
  /** Per-endpoint counts, for endpoints that received at least one request. */
  perEndpoint: Partial<Record<EmulatorEndpoint, EmulatorEndpointCounters>>;
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
  /**
   * Base URL ending in `/v1`, e.g. `http://127.0.0.1:43123/v1`: the `baseURL` of the openai SDK, LangChain's
   * `configuration.baseURL`, and the AI SDK's `createOpenAI` and `createAnthropic`.
   */
  readonly url: string;
  /**
   * The server's origin, e.g. `http://127.0.0.1:43123`: the `baseURL` of `@anthropic-ai/sdk` (which appends
   * `/v1/messages`) and the `httpOptions.baseUrl` of `@google/genai` (which appends `/v1beta/models/…`).
   */
  readonly origin: string;
  /** The bound port. */
  readonly port: number;
  /** @returns a snapshot copy of the counters. */
  counters(): EmulatorCounters;
  /** Zeroes the counters and clears the admission log; quota buckets keep their state. */
  resetCounters(): void;
  /** @param active - while true, every valid request is answered 503 at once (no quota consumed). */
  setOutage(active: boolean): void;
  /**
   * @param active - while true, every valid request is answered as an account out of credit, without consuming
   * quota: OpenAI 429 `insufficient_quota`, Anthropic 400 "credit balance is too low", Gemini 429
   * `RESOURCE_EXHAUSTED` without a `RetryInfo`.
   */
  setInsufficientQuota(active: boolean): void;
  /** @param faults - replaces the fault probabilities (undefined = no faults). */
  setFaults(faults: EmulatorOptions['faults']): void;
  /**
   * Replaces the streaming options for streams that start from now on (undefined = the defaults).
   * @param streaming - see {@link EmulatorStreamOptions}.
   * @throws RangeError on an invalid value (the previous options stay).
   */
  setStreaming(streaming: EmulatorStreamOptions | undefined): void;
  /**
   * Requests admitted by the quota check, oldest first — for asserting that no window exceeded
   * the quota. Includes admitted requests that were then answered with an injected fault. The
   * log costs two numbers per admission and is cleared by {@link EmulatorHandle.resetCounters}.
   * @param model - one model; all models when omitted.
   * @returns a detached copy.
   */
  admissions(model?: string): readonly EmulatorAdmission[];
  /** Closes the server and every socket, cancels pending responses and open streams; leaves no timers. */
  close(): Promise<void>;
}
