/**
 * The state of one call of a decorated method, shared by its attempts. The interceptor keeps everything a call
 * needs across its `await`s in this one object, so suspending and resuming the call's async function saves
 * and restores almost nothing.
 * @packageDocumentation
 */

import type { BackoffState } from '../retry/backoff';
import { AttemptContext, type AttemptSink, type ContextSource } from './context';
import type { KeyGuard } from '../retry/overload-guards';
import type { CallLimits, CompiledPlan } from './plan';

/** One call in flight (internal to the interceptor). */
export class Call implements ContextSource {
  /** Current attempt, 1-based. */
  attempt = 1;
  /** The clock's time at the start of the current attempt (after any wait for capacity). */
  now = 0;
  /** The backoff sequence, once a retry has been scheduled. */
  backoff: BackoffState | undefined = undefined;
  /** The last attempt's error. */
  lastError: unknown = undefined;
  /** The current attempt's context (what `currentCall()` returns inside the method), once asked for. */
  context: AttemptContext | undefined = undefined;
  /** The current attempt can be aborted by more than the caller (a timeout or the deadline). */
  ownSignal = false;

  /**
   * @param sink - where the attempt contexts report headers (the interceptor).
   * @param plan - the method's compiled plan.
   * @param thisArg - the instance the method runs on.
   * @param args - the call's arguments.
   * @param signal - the caller's abort signal, if any.
   * @param limits - the call's limits, when it is rate-limited or budgeted (rebased when the provider lowers them).
   * @param key - the call's key (its limit key, else `Class.method`).
   * @param guard - the key's overload breaker and retry budget, when the method retries.
   * @param deadline - when the whole call must end (epoch ms; `Infinity` without `deadlineMs`).
   */
  constructor(
    readonly sink: AttemptSink,
    readonly plan: CompiledPlan,
    readonly thisArg: unknown,
    readonly args: unknown[],
    readonly signal: AbortSignal | undefined,
    public limits: CallLimits | undefined,
    readonly key: string,
    readonly guard: KeyGuard | undefined,
    public deadline: number,
  ) {}

  /** Starts the next attempt's per-attempt state. */
  resetAttempt(ownSignal: boolean): void {
    this.context = undefined;
    this.ownSignal = ownSignal;
  }

  /** @inheritDoc */
  attemptContext(): AttemptContext {
    return (this.context ??= new AttemptContext(this.sink, this.limits, this.limits?.plan.key, this.attempt, this.signal, this.ownSignal));
  }
}
