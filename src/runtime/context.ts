/**
 * The per-call context visible inside a decorated method through {@link currentCall}.
 * @packageDocumentation
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import type { HeadersLike } from '../providers/headers';
import type { CallLimits } from './plan';

/** What a decorated method can see and report about the attempt it is running in. */
export interface CallContext {
  /** The call's limit key (the rate limit's, else the token budget's), if any. */
  readonly key: string | undefined;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /**
   * Aborts when the caller cancels or the attempt times out: pass it to the SDK
   * (`client.chat.completions.create(body, { signal: currentCall()?.signal })`).
   */
  readonly signal: AbortSignal;
  /** Reports response headers the runtime cannot see (rate-limit headers of a raw HTTP client). */
  observeHeaders(headers: HeadersLike): void;
  /** Reports the tokens the provider charged, when the result does not carry `usage`. */
  observeUsage(tokens: number): void;
}

/** Receives what an attempt reports through its context. */
export interface AttemptSink {
  /** Headers reported by the method. */
  attemptHeaders(context: AttemptContext, headers: HeadersLike): void;
}

/** One attempt's context (internal: the runtime creates one per attempt). */
export class AttemptContext implements CallContext {
  /** Tokens reported with {@link CallContext.observeUsage}. */
  usage: number | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private abortReason: unknown = undefined;
  private aborted = false;

  /**
   * @param sink - where observed headers go.
   * @param limits - the call's limits, if it is limited.
   * @param key - the call's key.
   * @param attempt - attempt number.
   * @param callerSignal - the caller's signal.
   * @param ownSignal - true when the attempt can be aborted by more than the caller (a timeout).
   */
  constructor(
    private readonly sink: AttemptSink,
    readonly limits: CallLimits | undefined,
    readonly key: string | undefined,
    readonly attempt: number,
    private readonly callerSignal: AbortSignal | undefined,
    private readonly ownSignal: boolean,
  ) {}

  /** @inheritDoc */
  get signal(): AbortSignal {
    if (!this.ownSignal && !this.aborted && this.callerSignal !== undefined) return this.callerSignal;
    // Created on first access only: an SDK adds listeners to it, so it must never be shared between calls.
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Aborts the attempt's signal (timeout or caller abort). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** @inheritDoc */
  observeHeaders(headers: HeadersLike): void {
    this.sink.attemptHeaders(this, headers);
  }

  /** @inheritDoc */
  observeUsage(tokens: number): void {
    if (typeof tokens === 'number' && Number.isFinite(tokens) && tokens >= 0) this.usage = tokens;
  }
}

/**
 * What a running call puts in the context slot: it makes its current attempt's {@link AttemptContext} on
 * demand, so a method that never asks for its context costs no allocation.
 */
export interface ContextSource {
  /** The current attempt's context (created on first request). */
  attemptContext(): AttemptContext;
}

const storage = new AsyncLocalStorage<AttemptContext>();

/**
 * Whether the context follows a call across `await`s (AsyncLocalStorage). Off until something needs it: on
 * Node 20, AsyncLocalStorage turns on promise hooks for every promise in the process, which costs more than
 * this whole library's hot path. Without it, {@link currentCall} answers in the synchronous part of the method
 * (where `create(body, { signal: currentCall()?.signal })` runs).
 */
let asyncContext = false;
/** The call whose method is running synchronously right now (the cheap path). */
let syncContext: ContextSource | undefined;
/** Decorated calls between start and settlement, in this process. */
let callsInFlight = 0;

/**
 * Makes {@link currentCall} follow calls across `await`s from now on (AsyncLocalStorage). Switched on by
 * `configureResilience({ asyncContext: true })`, by `observingFetch()` (an SDK calls fetch after its own
 * awaits), and automatically the first time `currentCall()` is asked from inside a call and cannot answer.
 * There is no way back: contexts of calls already running would be lost.
 */
export function enableAsyncContext(): void {
  asyncContext = true;
}

/** Whether {@link enableAsyncContext} has been called. */
export function asyncContextEnabled(): boolean {
  return asyncContext;
}

/** The context of the decorated call this code runs in, or `undefined` outside one. */
export function currentCall(): CallContext | undefined {
  if (asyncContext) return storage.getStore();
  if (syncContext !== undefined) return syncContext.attemptContext();
  if (callsInFlight > 0) missedContext();
  return undefined;
}

/**
 * `currentCall()` was asked after an `await` inside a call (or from code running beside one) while only the
 * synchronous context is kept: switch the async context on for later calls and say so once.
 */
function missedContext(): void {
  asyncContext = true;
  process.emitWarning(
    'currentCall() was called after an await in a decorated method: it answered undefined this once. ' +
      'Async context propagation is now on for later calls; set configureResilience({ asyncContext: true }) ' +
      'to have it from the first call.',
    { code: 'LLM_RESILIENCE_ASYNC_CONTEXT' },
  );
}

/** Counts a decorated call as started (internal: the interceptor, once per call). */
export function callStarted(): void {
  callsInFlight++;
}

/** Counts a decorated call as settled (internal: the interceptor, once per call). */
export function callSettled(): void {
  callsInFlight--;
}

function invoke(fn: (...args: unknown[]) => unknown, thisArg: unknown, args: unknown[]): unknown {
  return fn.apply(thisArg, args);
}

/** Runs `fn` with the source's attempt context as {@link currentCall} (internal). */
export function runInContext(
  source: ContextSource,
  fn: (...args: unknown[]) => unknown,
  thisArg: unknown,
  args: unknown[],
): unknown {
  if (asyncContext) return storage.run(source.attemptContext(), invoke, fn, thisArg, args);
  const outer = syncContext;
  syncContext = source;
  try {
    return fn.apply(thisArg, args);
  } finally {
    syncContext = outer;
  }
}
