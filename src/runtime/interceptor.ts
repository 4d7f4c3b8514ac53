/**
 * The interceptor: applies a method's policies on every call, always in this order, whatever the order of
 * the decorators:
 *
 * 1. **total deadline** (`deadlineMs`) — bounds everything below;
 * 2. **retry loop** (`@AdaptiveRetry`) — each attempt is a real request, so each passes through 3–6 again;
 *    the key's overload breaker may refuse an attempt before it starts;
 * 3. **acquire** — one all-or-nothing take of the call's whole demand (1 request and the estimated tokens on
 *    every key: `@RateLimited`, `@TokenBudget`), queueing in FIFO order per key;
 * 4. **attempt timeout** (`attemptTimeoutMs`) — aborts `currentCall().signal`;
 * 5. **the method**, inside its {@link CallContext};
 * 6. **record** — rate-limit headers adopted, real usage settled against the estimate, a 429's wait turned
 *    into a cooldown of the whole key ({@link Outcomes}); then the breaker, the retry budget and the retry
 *    decision.
 *
 * The interceptor publishes what it does as events ({@link EventHub}); it knows no logger and no registry.
 * @packageDocumentation
 */

import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import { CircuitOpenError, PolicyConfigError, RateLimitExceededError, RetryExhaustedError, TokenBudgetExceededError, logSafeReason } from '../errors';
import type { EventHub } from '../events/hub';
import { Limiter, type AcquireBounds } from '../limits/limiter';
import type { DemandPart, LimiterStore } from '../limits/store';
import type { MethodDispatcher } from '../policy/dispatch';
import { declaredGuard } from '../policy/guard-declarations';
import type { MethodHandle } from '../policy/method-handle';
import { classifyError } from '../providers/classify';
import type { HeadersLike } from '../providers/headers';
import { initialBackoff } from '../retry/backoff';
import type { BreakerState } from '../retry/breaker';
import { decideRetry } from '../retry/decision';
import { OverloadGuards, isOverload, type KeyGuard } from '../retry/overload-guards';
import { sleep } from '../util/abort';
import { NotSent, runAttempt } from './attempt';
import type { StreamAdapter } from './streams/adapter';
import { streamAdapterFor } from './streams/adapters';
import { StreamSession } from './streams/session';
import { Call } from './call';
import { CapacityReporter } from './capacity';
import { callSettled, callStarted, type AttemptContext, type AttemptSink } from './context';
import { ResilienceTokens } from './di-tokens';
import { Outcomes, callInfo, failureInfo, modelOf, type Failure } from './outcomes';
import { CallLimits, buildKeyPlan, compilePlan, resolveKey, type CompiledPlan, type KeyPlan } from './plan';
import { ProviderLimits } from './provider-limits';
import type { ResilienceRuntime } from './resilience-runtime';
import type { ResolvedConfig } from './resolved-config';
import { callerSignal } from './signal';

/** Applies the policies of decorated methods. Resolved from the container; one per configuration. */
@injectable()
export class Interceptor implements AttemptSink, MethodDispatcher, ResilienceRuntime {
  /** The FIFO limiter over the configured store. */
  readonly limiter: Limiter;
  /** What the runtime publishes (logs, metrics and users subscribe). */
  readonly events: EventHub;
  /** Capacity and low-capacity events from observed headers. */
  readonly capacity: CapacityReporter;
  /** Per-key overload breakers and retry budgets. */
  private readonly guards: OverloadGuards;
  private readonly outcomes: Outcomes;
  /** The per-minute limits providers reported, lowering configured ones above them. */
  private readonly providerLimits = new ProviderLimits();

  /** @param config - the resolved configuration (`configureResilience`). */
  constructor(@inject(ResilienceTokens.Config) readonly config: ResolvedConfig) {
    const events = (this.events = config.events);
    this.capacity = new CapacityReporter(events, config.lowCapacity);
    this.guards = new OverloadGuards(config.policies, declaredGuard, () => config.clock.now());
    this.limiter = new Limiter(
      config.store,
      config.clock,
      config.random,
      {
        onQueued: (key, waitMs, queueLength) => {
          if (events.queued.listening) events.queued.emit({ key, waitMs, queueLength });
        },
      },
      config.store.pollJitterMs ?? 0,
    );
    this.outcomes = new Outcomes(config.store, this.limiter, config.clock, events, this.capacity, this.providerLimits);
  }

  /** @inheritDoc */
  get store(): LimiterStore {
    return this.config.store;
  }

  /**
   * Runs one call of a decorated method through its policies.
   * @param handle - the method (from the decorator's wrapper).
   * @param thisArg - the instance.
   * @param args - the call's arguments.
   */
  invoke(handle: MethodHandle, thisArg: unknown, args: unknown[]): Promise<unknown> {
    let plan = handle.plan as CompiledPlan | undefined;
    if (handle.planOwner !== this || plan === undefined) {
      plan = compilePlan(handle);
      handle.plan = plan;
      handle.planOwner = this;
    }
    let call: Call;
    try {
      call = this.begin(plan, thisArg, args);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's abort reason or a PolicyConfigError, passed on as it is
      return Promise.reject(error);
    }
    if (this.events.callStart.listening) this.events.callStart.emit({ key: call.key });
    callStarted();
    return this.run(call);
  }

  /** @inheritDoc */
  attemptHeaders(context: AttemptContext, headers: HeadersLike): void {
    if (context.limits !== undefined) this.outcomes.observe(context.limits, headers);
  }

  /**
   * Steps 1–6 of the composition order (see the file header). One async function per call, whose state lives
   * in one {@link Call} object (an `await` then saves and restores almost nothing); the steps themselves are
   * the synchronous methods below, exchanging typed values. The clock is read once per attempt.
   */
  private async run(call: Call): Promise<unknown> {
    // The current attempt holds the half-open breaker's single probe until its outcome is recorded.
    let probe = false;
    try {
      for (;;) {
        // 2. the breaker's verdict (throws when open); 3. the acquire (synchronous when capacity is there)
        probe = this.admit(call);
        const waiting = this.acquire(call);
        if (waiting !== undefined) {
          await waiting;
          this.granted(call);
        }
        let result: unknown;
        let stream: StreamAdapter | undefined;
        try {
          // 4.–5. the attempt timeout, the method; a stream is held until its first content (retryable before it)
          result = await runAttempt(call, this.config.clock);
          stream = streamAdapterFor(result);
          if (stream !== undefined) result = await this.openStream(call, stream, result as object);
        } catch (thrown) {
          // 6. record the failure; then retry after the delay, or end the call (throws)
          const failure = this.failed(call, thrown);
          this.recordBreaker(call, isOverload(failure.classification));
          probe = false;
          await sleep(this.config.clock, this.retryDelay(call, failure), call.signal);
          call.attempt++;
          continue;
        }
        // 6. record the success
        this.recordBreaker(call, false);
        probe = false;
        call.guard?.budget?.succeeded();
        if (stream === undefined) this.outcomes.succeeded(call, result);
        else this.outcomes.streamOpened(call);
        return result;
      }
    } finally {
      // a probe that never reached the provider (refused by the limiter, aborted) frees the half-open slot
      if (probe) call.guard?.breaker?.release();
      callSettled();
      if (this.events.callEnd.listening) this.events.callEnd.emit({ key: call.key });
    }
  }

  /**
   * Step 5 for a stream: holds it until its first content, under the first-chunk timeout, the rest of the attempt
   * timeout (or the deadline) and the caller's abort; the session lives on until the stream ends.
   */
  private openStream(call: Call, adapter: StreamAdapter, value: object): Promise<unknown> {
    const retry = call.plan.retry;
    const attemptTimeoutMs = retry?.attemptTimeoutMs;
    const byTimeout = attemptTimeoutMs === undefined ? Infinity : call.now + attemptTimeoutMs;
    const attemptEndsAt = Math.min(byTimeout, call.deadline);
    const session = new StreamSession(
      this.config.clock,
      {
        key: call.key,
        firstChunkTimeoutMs: retry?.firstChunkTimeoutMs,
        idleTimeoutMs: retry?.idleTimeoutMs,
        attemptEndsAt,
        attemptTimeoutMs: attemptEndsAt === byTimeout ? attemptTimeoutMs : undefined,
      },
      call.signal,
      (outcome, tokens, chunks, error, dialect) => this.outcomes.streamEnded(call, outcome, tokens, chunks, error, dialect),
    );
    // the SDK's request (given currentCall().signal) stops with the stream
    const context = call.context;
    if (context !== undefined) session.onAbort((reason) => { context.abort(reason); });
    return adapter.open(value, session).then(undefined, (error: unknown) => {
      session.close();
      throw error;
    });
  }

  /** Step 1: the call's state — caller's signal, limits and estimate, guard, total deadline. */
  private begin(plan: CompiledPlan, thisArg: unknown, args: unknown[]): Call {
    const signal = callerSignal(args);
    if (signal?.aborted) throw signal.reason;
    const limits = plan.rate === undefined && plan.budget === undefined ? undefined : this.prepare(plan, args);
    const key = limits?.plan.key ?? plan.where;
    const retry = plan.retry;
    const guard = retry === undefined ? undefined : this.guards.cached(limits?.plan.guard ?? plan.guard, retry, plan.where, key);
    return new Call(this, plan, thisArg, args, signal, limits, key, guard, Infinity);
  }

  /**
   * Step 2 for the current attempt: reads the clock, starts the deadline, asks the key's breaker.
   * @returns true when this attempt is the half-open breaker's probe.
   * @throws CircuitOpenError (first attempt) or RetryExhaustedError (`circuit-open`) when the breaker is open.
   */
  private admit(call: Call): boolean {
    const now = (call.now = this.config.clock.now());
    if (call.attempt === 1 && call.plan.retry?.deadlineMs !== undefined) call.deadline = now + call.plan.retry.deadlineMs;
    const guard = call.guard;
    if (guard === undefined || guard.closed) return false;
    const breaker = guard.breaker;
    const before = breaker?.state;
    const verdict = guard.verdict(now);
    // the cool-off has passed: this attempt turned the breaker half-open (published once, by the one that did)
    if (breaker !== undefined && breaker.state !== before) this.breakerChanged(call, breaker.state);
    if (verdict === 'reject') throw this.circuitOpen(call, guard);
    return verdict === 'probe';
  }

  /** The error for an attempt refused by an open breaker: fail fast, or stop a retrying call. */
  private circuitOpen(call: Call, guard: KeyGuard): Error {
    const waitMs = Math.max(0, (guard.breaker?.openUntil ?? 0) - this.config.clock.now());
    if (this.events.rejected.listening) this.events.rejected.emit({ ...callInfo(call), reason: 'circuit open', retryAfterMs: waitMs });
    if (call.attempt === 1) return new CircuitOpenError(call.key, waitMs);
    return new RetryExhaustedError(call.attempt - 1, 'circuit-open', call.lastError, `the overload breaker of "${call.key}" opened`);
  }

  /**
   * Step 3: takes the attempt's demand from the limiter.
   * @returns `undefined` when the attempt may start now, else the wait for capacity.
   */
  private acquire(call: Call): Promise<void> | undefined {
    if (call.limits === undefined) return undefined;
    const limits = this.currentLimits(call, call.limits);
    let bounds: AcquireBounds = limits.plan.bounds;
    if (call.deadline !== Infinity) {
      const left = Math.max(0, call.deadline - call.now);
      if (left < bounds.maxWaitMs) bounds = { ...bounds, maxWaitMs: left };
    }
    try {
      const waiting = this.limiter.acquire(limits.plan.queueKey, limits.parts, bounds, call.signal, call.now);
      return waiting === undefined ? undefined : waiting.catch((error: unknown) => this.refused(call, error));
    } catch (error) {
      return this.refused(call, error);
    }
  }

  private refused(call: Call, error: unknown): never {
    const signal = call.signal;
    if (signal?.aborted && error === signal.reason) throw error;
    const refusal = this.deadlineRefusal(call, error) ?? error;
    if (this.events.rejected.listening) {
      const retryAfterMs = (error as { retryAfterMs?: number } | null)?.retryAfterMs;
      this.events.rejected.emit({ ...callInfo(call), reason: logSafeReason(refusal), retryAfterMs });
    }
    throw refusal;
  }

  /**
   * A wait refused because it would end after the call's deadline (not because of `maxWaitMs`): the call ends
   * with `RetryExhaustedError` reason `deadline`, never with an error naming a bound the user did not set.
   */
  private deadlineRefusal(call: Call, error: unknown): RetryExhaustedError | undefined {
    const deadlineMs = call.plan.retry?.deadlineMs;
    if (!(error instanceof RateLimitExceededError) || error.bound !== 'maxWaitMs' || deadlineMs === undefined || call.limits === undefined) return undefined;
    const left = call.deadline - call.now;
    if (!(left < call.limits.plan.bounds.maxWaitMs)) return undefined;
    const attempts = call.attempt - 1;
    return new RetryExhaustedError(
      attempts,
      'deadline',
      attempts > 0 ? call.lastError : undefined,
      `capacity for "${error.key}" frees in ${Math.ceil(error.retryAfterMs)} ms, after the call's deadline (${Math.max(0, Math.round(left))} ms left of deadlineMs ${deadlineMs})`,
    );
  }

  /** After a wait for capacity: the attempt starts now. */
  private granted(call: Call): void {
    const now = this.config.clock.now();
    if (this.events.waited.listening) this.events.waited.emit({ ...callInfo(call), waitMs: now - call.now });
    call.now = now;
  }

  /**
   * Step 6 after a failure, first half: gives back the take of an attempt that sent nothing, then records what
   * the failure teaches the limits.
   * @throws the caller's abort reason when the caller cancelled.
   */
  private failed(call: Call, thrown: unknown): Failure {
    const sent = !(thrown instanceof NotSent);
    const error = sent ? thrown : thrown.error;
    if (!sent && call.limits !== undefined) this.outcomes.giveBack(call.limits);
    const signal = call.signal;
    if (signal?.aborted) throw signal.reason;
    call.lastError = error;
    return this.outcomes.failed(call, error, classifyError(error), sent);
  }

  /**
   * Step 6 after a failure, second half: the retry decision, the retry budget.
   * @returns the delay before the next attempt.
   * @throws the error itself (not retryable, no retry policy) or {@link RetryExhaustedError}.
   */
  private retryDelay(call: Call, failure: Failure): number {
    const { error, classification, hint } = failure;
    const retry = call.plan.retry;
    if (retry === undefined) {
      this.publishFailed(call, failure, 'no-retry-policy');
      throw error;
    }
    if (!(retry.retryOn?.(error) ?? classification.retryable)) {
      this.publishFailed(call, failure, 'not-retryable');
      throw error;
    }
    const now = this.config.clock.now();
    let decision = decideRetry(retry, error, call.attempt, call.backoff ?? initialBackoff(retry), hint, now, call.deadline, this.config.random);
    // 429s are flow control (the key's cooldown and the limiter pace them), not provider failure: the budget
    // guards against multiplying an outage, so rate-limited retries do not spend it.
    const budget = call.guard?.budget;
    if (!(decision instanceof RetryExhaustedError) && classification.reason !== 'rate-limited' && budget !== undefined && !budget.tryRetry(now)) {
      decision = new RetryExhaustedError(call.attempt, 'retry-budget', error, `the retry budget of "${call.key}" is spent`);
    }
    if (decision instanceof RetryExhaustedError) {
      this.publishFailed(call, failure, decision.reason);
      throw decision;
    }
    call.backoff = decision.state;
    if (this.events.retry.listening) this.events.retry.emit({ ...failureInfo(call, failure), delayMs: decision.delayMs });
    return decision.delayMs;
  }

  private publishFailed(call: Call, failure: Failure, stop: string): void {
    if (this.events.failed.listening) this.events.failed.emit({ ...failureInfo(call, failure), stop });
  }

  /** The attempt's outcome reaches the key's breaker (while half-open, it closes or re-opens it). */
  private recordBreaker(call: Call, overload: boolean): void {
    const breaker = call.guard?.breaker;
    if (breaker === undefined) return;
    // a success counts at the attempt's start (no second clock read: the breaker's window is 10 s wide); a failure
    // at its end, since it may open the breaker: a probe slower than the cool-off would leave it open for nothing
    const changed = breaker.record(overload ? this.config.clock.now() : call.now, overload);
    if (changed !== undefined) this.breakerChanged(call, changed);
  }

  /** Publishes a state the key's breaker entered (each transition once: the breaker reports only changes). */
  private breakerChanged(call: Call, state: BreakerState): void {
    if (this.events.breaker.listening) this.events.breaker.emit({ key: call.key, state });
  }

  /** Resolves the call's keys, limits and token estimate (once per call). */
  private prepare(plan: CompiledPlan, args: unknown[]): CallLimits {
    const fixed = plan.fixedKeyPlan;
    const keyPlan = fixed?.generation === this.providerLimits.generation ? fixed : this.keyPlan(plan, args);
    if (plan.budget === undefined) return new CallLimits(keyPlan, keyPlan.requestOnly, 0);
    const estimate = plan.budget.estimate(...args);
    if (typeof estimate !== 'number' || !Number.isFinite(estimate) || estimate < 0) {
      throw new PolicyConfigError(plan.where, 'estimate', estimate, 'the estimate function to return a finite number ≥ 0');
    }
    if (estimate > keyPlan.largestServable) this.unservable(keyPlan, estimate, args);
    if (estimate === 0) return new CallLimits(keyPlan, keyPlan.requestOnly, 0);
    const specs = keyPlan.specs;
    const parts: DemandPart[] =
      specs.length === 1
        ? [{ spec: specs[0], requests: 1, tokens: estimate }]
        : // the rate key's request, the budget key's tokens
          [
            { spec: specs[0], requests: 1, tokens: 0 },
            { spec: specs[1], requests: 0, tokens: estimate },
          ];
    return new CallLimits(keyPlan, parts, estimate);
  }

  /** The key plan of the call's resolved keys (cached per method and key combination). */
  private keyPlan(plan: CompiledPlan, args: unknown[]): KeyPlan {
    const rateKey = plan.rate === undefined ? undefined : resolveKey(plan.where, plan.rate.key, args);
    const budgetKey = plan.budget === undefined ? undefined : resolveKey(plan.where, plan.budget.key, args);
    return this.keyPlanFor(plan, rateKey, budgetKey);
  }

  /** The key plan of resolved keys, cached per method and key combination and rebuilt when the provider's limits change. */
  private keyPlanFor(plan: CompiledPlan, rateKey: string | undefined, budgetKey: string | undefined): KeyPlan {
    const cacheKey =
      rateKey === undefined ? budgetKey : budgetKey === undefined || budgetKey === rateKey ? rateKey : `${rateKey}\u0000${budgetKey}`;
    if (cacheKey === undefined) throw new Error('unreachable: keys are resolved for a rate limit or a token budget');
    const cached = plan.keyPlans.get(cacheKey);
    // a key plan built before the provider reported other limits is built again
    if (cached?.generation === this.providerLimits.generation) return cached;
    const built = buildKeyPlan(plan, this.config, rateKey, budgetKey, this.providerLimits);
    plan.keyPlans.set(cacheKey, built);
    if (plan.fixedKeys) plan.fixedKeyPlan = built;
    return built;
  }

  /**
   * The call's limits for its next attempt: rebased on a rebuilt key plan when the provider reported lower limits
   * since the call began (a retry after a 429 storm is paced at the provider's limit, not the configured one).
   */
  private currentLimits(call: Call, limits: CallLimits): CallLimits {
    if (limits.plan.generation === this.providerLimits.generation) return limits;
    const rebased = limits.rebased(this.keyPlanFor(call.plan, limits.plan.rateKey, limits.plan.budgetKey));
    call.limits = rebased;
    return rebased;
  }

  /** Rejects an estimate over a per-minute or daily token limit: it can never be served. */
  private unservable(keyPlan: KeyPlan, estimate: number, args: readonly unknown[]): never {
    const model = modelOf(args);
    for (const spec of keyPlan.specs) {
      const limit = spec.tokensPerMinute !== undefined && estimate > spec.tokensPerMinute ? spec.tokensPerMinute : undefined;
      const day = limit === undefined && spec.tokensPerDay !== undefined && estimate > spec.tokensPerDay ? spec.tokensPerDay : undefined;
      if (limit === undefined && day === undefined) continue;
      const reason = limit !== undefined ? 'larger than tokensPerMinute' : 'larger than tokensPerDay';
      if (this.events.rejected.listening) {
        this.events.rejected.emit({ key: spec.key, model, attempt: 1, estimatedTokens: estimate, reason, retryAfterMs: undefined });
      }
      throw limit !== undefined
        ? new TokenBudgetExceededError(spec.key, estimate, limit, 'larger than the per-minute limit, can never be served')
        : new TokenBudgetExceededError(spec.key, estimate, day ?? 0, 'larger than the daily budget, can never be served');
    }
    throw new Error('unreachable: largestServable is the smallest token limit of the specs');
  }
}
