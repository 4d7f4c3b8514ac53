/**
 * The interceptor: applies a method's policies on every call, always in this order, whatever the order of
 * the decorators:
 *
 * 1. **total deadline** (`deadlineMs`) — bounds everything below;
 * 2. **retry loop** (`@AdaptiveRetry`) — each attempt is a real request, so each passes through 3–6 again;
 * 3. **acquire** — one all-or-nothing take of the call's whole demand (1 request and the estimated tokens on
 *    every key: `@RateLimited`, `@TokenBudget`), queueing in FIFO order per key;
 * 4. **attempt timeout** (`attemptTimeoutMs`) — aborts `currentCall().signal`;
 * 5. **the method**, inside its {@link CallContext};
 * 6. **record** — rate-limit headers adopted, real usage settled against the estimate, a 429's wait turned
 *    into a cooldown of the whole key.
 * @packageDocumentation
 */

import { inject, injectable } from 'tsyringe';
import { initialBackoff } from '../retry/backoff';
import { classifyError, type Classification } from '../providers/classify';
import type { ResolvedConfig } from './resolved-config';
import { Call } from './call';
import { AttemptContext, callSettled, callStarted, runInContext, type AttemptSink } from './context';
import { ResilienceTokens } from './di-tokens';
import { AttemptTimeoutError, CircuitOpenError, PolicyConfigError, RetryExhaustedError, TokenBudgetExceededError } from '../errors';
import type { HeadersLike } from '../providers/headers';
import { Limiter, type AcquireBounds } from '../limits/limiter';
import { OverloadGuards, isOverload, type KeyGuard } from '../retry/overload-guards';
import type { MethodHandle } from '../policy/method-handle';
import { CallLimits, buildKeyPlan, compilePlan, resolveKey, type CompiledPlan, type KeyPlan } from './plan';
import { parseRateLimitHeaders } from '../providers/rate-limit-headers';
import { resultHeaders } from '../providers/result-headers';
import { decideRetry } from '../retry/decision';
import { callerSignal } from './signal';
import { onAbort, sleep } from '../util/abort';
import type { DemandPart } from '../limits/store';
import { Telemetry, rejectionReason, type AttemptFields, type CallFields } from '../observability/telemetry';
import { usageTokens } from '../tokens/usage';
import { serverWaitHint, type WaitHint } from '../providers/wait-hints';
import { isThenable } from '../util/values';

function ignoreRejection(value: void | Promise<void>): void {
  if (value !== undefined) value.then(undefined, () => undefined);
}

function modelOf(args: readonly unknown[]): string | undefined {
  const first = args[0] as { model?: unknown } | null | undefined;
  return first !== null && typeof first === 'object' && typeof first.model === 'string' ? first.model : undefined;
}

function callFields(call: Call): CallFields {
  return { key: call.key, model: modelOf(call.args), attempt: call.attempt, estimatedTokens: call.limits?.estimate };
}

/** Applies the policies of decorated methods. Resolved from the container; one per configuration. */
@injectable()
export class Interceptor implements AttemptSink {
  /** The FIFO limiter over the configured store. */
  readonly limiter: Limiter;
  /** Logs, metrics and the low-capacity alert. */
  readonly telemetry: Telemetry;
  /** Per-key overload breakers and retry budgets. */
  private readonly guards: OverloadGuards;

  /** @param config - the resolved configuration (`configureResilience`). */
  constructor(@inject(ResilienceTokens.Config) readonly config: ResolvedConfig) {
    this.telemetry = new Telemetry(config);
    this.guards = new OverloadGuards(config.policies, () => config.clock.now());
    this.limiter = new Limiter(
      config.store,
      config.clock,
      config.random,
      { onQueued: (key, waitMs, length) => this.telemetry.queued(key, waitMs, length) },
      config.store.pollJitterMs ?? 0,
    );
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
      return Promise.reject(error);
    }
    this.telemetry.started(call.key);
    callStarted();
    return this.run(call);
  }

  /** @inheritDoc */
  attemptHeaders(context: AttemptContext, headers: HeadersLike): void {
    if (context.limits !== undefined) this.observe(context.limits, headers);
  }

  /**
   * Steps 1–6 of the composition order (see the file header). One async function per call, whose state lives
   * in one {@link Call} object (an `await` then saves and restores almost nothing); the steps themselves are
   * the synchronous methods below. The clock is read once per attempt.
   */
  private async run(call: Call): Promise<unknown> {
    try {
      for (;;) {
        // 2.–3. the breaker's verdict and the acquire (synchronous when capacity is there)
        const waiting = this.beginAttempt(call);
        if (waiting !== undefined) {
          await waiting;
          this.granted(call);
        }
        let result: unknown;
        try {
          // 4.–5. attempt timeout, the method
          result = await this.attempt(call);
        } catch (error) {
          // 6. record the failure; retry after the delay, or end the call (throws)
          const delayMs = this.attemptFailed(call, error);
          await sleep(this.config.clock, delayMs, call.signal);
          call.attempt++;
          continue;
        }
        // 6. record the success
        this.attemptSucceeded(call, result);
        return result;
      }
    } finally {
      // a probe that never reached the provider (refused by the limiter, aborted) frees the half-open slot
      if (call.probe && !call.recorded) call.guard!.breaker?.release();
      callSettled();
      this.telemetry.finished(call.key);
    }
  }

  /** Step 1: the call's state — caller's signal, limits and estimate, guard, total deadline. */
  private begin(plan: CompiledPlan, thisArg: unknown, args: unknown[]): Call {
    const signal = callerSignal(args);
    if (signal?.aborted) throw signal.reason;
    const limits = plan.rate === undefined && plan.budget === undefined ? undefined : this.prepare(plan, args);
    const key = limits?.plan.key ?? plan.where;
    const retry = plan.retry;
    const guard = retry === undefined ? undefined : this.guards.cached(limits?.plan.guard ?? plan.guard, retry, key);
    return new Call(this, plan, thisArg, args, signal, limits, key, guard, Infinity);
  }

  /**
   * Steps 2–3 for the current attempt: the breaker's verdict (throws when open), then the acquire.
   * @returns `undefined` when the attempt may start now, else the wait for capacity.
   */
  private beginAttempt(call: Call): Promise<void> | undefined {
    const now = (call.now = this.config.clock.now());
    if (call.attempt === 1 && call.plan.retry?.deadlineMs !== undefined) call.deadline = now + call.plan.retry.deadlineMs;
    const guard = call.guard;
    call.probe = false;
    call.recorded = false;
    if (guard !== undefined && !guard.closed) {
      const verdict = guard.verdict(now);
      if (verdict === 'reject') throw this.circuitOpen(guard, call.key, call.attempt, call.lastError);
      call.probe = verdict === 'probe';
    }
    return call.limits === undefined ? undefined : this.acquire(call, call.limits, now);
  }

  /** After a wait for capacity: the attempt starts now. */
  private granted(call: Call): void {
    const now = this.config.clock.now();
    this.telemetry.waited(call.key, now - call.now, callFields(call));
    call.now = now;
  }

  /** Step 6 after a success: the breaker and retry budget, provider headers, real usage. */
  private attemptSucceeded(call: Call, result: unknown): void {
    const guard = call.guard;
    if (guard !== undefined) {
      // counted at the attempt's start (no second clock read): the breaker's window is 10 s wide
      call.recorded = true;
      if (guard.breaker !== undefined) this.recordBreaker(guard, call.key, false, call.probe, call.now);
      guard.budget?.succeeded();
    }
    this.succeeded(call.plan, call.limits, call.key, call, result);
  }

  /**
   * Step 6 after a failure: headers, cooldown, breaker, then the retry decision.
   * @returns the delay before the next attempt.
   * @throws the error itself (not retryable, no retry policy), the caller's abort reason, or
   * {@link RetryExhaustedError}.
   */
  private attemptFailed(call: Call, error: unknown): number {
    const signal = call.signal;
    if (signal?.aborted) throw signal.reason;
    call.lastError = error;
    const { key, limits, args, attempt, guard } = call;
    const retry = call.plan.retry;
    const now = this.config.clock.now();
    const classification = classifyError(error);
    const hint = this.failed(limits, key, classification, now, args, attempt, call.unsent);
    const fields = this.fields(key, limits, args, attempt, classification, hint);
    if (retry === undefined) {
      this.telemetry.failed(fields, 'no-retry-policy');
      throw error;
    }
    call.recorded = true;
    this.recordBreaker(guard!, key, isOverload(classification), call.probe, now);
    if (!(retry.retryOn?.(error) ?? classification.retryable)) {
      this.telemetry.failed(fields, 'not-retryable');
      throw error;
    }
    let decision = decideRetry(retry, error, attempt, call.backoff ?? initialBackoff(retry), hint, now, call.deadline, this.config.random);
    // 429s are flow control (the key's cooldown and the limiter pace them), not provider failure: the budget
    // guards against multiplying an outage, so rate-limited retries do not spend it.
    if (
      !(decision instanceof RetryExhaustedError) &&
      classification.reason !== 'rate-limited' &&
      guard!.budget !== undefined &&
      !guard!.budget.tryRetry(now)
    ) {
      decision = new RetryExhaustedError(attempt, 'retry-budget', error, `the retry budget of "${key}" is spent`);
    }
    if (decision instanceof RetryExhaustedError) {
      this.telemetry.failed(fields, decision.reason);
      throw decision;
    }
    call.backoff = decision.state;
    this.telemetry.retry(fields, decision.delayMs, hint?.ms);
    return decision.delayMs;
  }

  /** The error for an attempt refused by an open breaker: fail fast, or stop a retrying call. */
  private circuitOpen(guard: KeyGuard, key: string, attempt: number, lastError: unknown): Error {
    const waitMs = Math.max(0, (guard.breaker?.openUntil ?? 0) - this.config.clock.now());
    this.telemetry.rejected(key, 'circuit open', waitMs);
    if (attempt === 1) return new CircuitOpenError(key, waitMs);
    return new RetryExhaustedError(attempt - 1, 'circuit-open', lastError, `the overload breaker of "${key}" opened`);
  }

  private recordBreaker(guard: KeyGuard, key: string, overload: boolean, probe: boolean, now: number): void {
    const changed = guard.breaker?.record(now, overload, probe);
    if (changed !== undefined) this.telemetry.breakerChanged(key, changed);
  }

  /** Resolves the call's keys, limits and token estimate (once per call). */
  private prepare(plan: CompiledPlan, args: unknown[]): CallLimits {
    const keyPlan = plan.fixedKeys ? (plan.fixedKeyPlan ??= this.keyPlan(plan, args)) : this.keyPlan(plan, args);
    if (plan.budget === undefined) return new CallLimits(keyPlan, keyPlan.requestOnly, 0);
    const estimate = plan.budget.estimate(...args);
    if (typeof estimate !== 'number' || !Number.isFinite(estimate) || estimate < 0) {
      throw new PolicyConfigError(plan.where, 'estimate', estimate, 'the estimate function to return a finite number ≥ 0');
    }
    if (estimate > keyPlan.largestServable) this.unservable(keyPlan, estimate, args);
    const specs = keyPlan.specs;
    if (estimate === 0) return new CallLimits(keyPlan, keyPlan.requestOnly, 0);
    const parts: DemandPart[] =
      specs.length === 1 ? [{ spec: specs[0]!, requests: 1, tokens: estimate }] : specs.map((spec) => ({ spec, requests: 1, tokens: estimate }));
    return new CallLimits(keyPlan, parts, estimate);
  }

  /** The key plan of the call's resolved keys (cached per method and key combination). */
  private keyPlan(plan: CompiledPlan, args: unknown[]): KeyPlan {
    const rateKey = plan.rate === undefined ? undefined : resolveKey(plan.where, plan.rate.key, args);
    const budgetKey = plan.budget === undefined ? undefined : resolveKey(plan.where, plan.budget.key, args);
    const cacheKey =
      budgetKey === undefined || budgetKey === rateKey ? rateKey! : rateKey === undefined ? budgetKey : `${rateKey}\u0000${budgetKey}`;
    let keyPlan = plan.keyPlans.get(cacheKey);
    if (keyPlan === undefined) {
      keyPlan = buildKeyPlan(plan, this.config, rateKey, budgetKey);
      plan.keyPlans.set(cacheKey, keyPlan);
    }
    return keyPlan;
  }

  /** Rejects an estimate over a per-minute or daily token limit: it can never be served. */
  private unservable(keyPlan: KeyPlan, estimate: number, args: readonly unknown[]): never {
    for (const spec of keyPlan.specs) {
      const fields = { key: spec.key, model: modelOf(args), attempt: 1, estimatedTokens: estimate };
      if (spec.tokensPerMinute !== undefined && estimate > spec.tokensPerMinute) {
        this.telemetry.rejected(spec.key, 'larger than tokensPerMinute', undefined, fields);
        throw new TokenBudgetExceededError(spec.key, estimate, spec.tokensPerMinute, 'larger than the per-minute limit, can never be served');
      }
      if (spec.tokensPerDay !== undefined && estimate > spec.tokensPerDay) {
        this.telemetry.rejected(spec.key, 'larger than tokensPerDay', undefined, fields);
        throw new TokenBudgetExceededError(spec.key, estimate, spec.tokensPerDay, 'larger than the daily budget, can never be served');
      }
    }
    throw new Error('unreachable: largestServable is the smallest token limit of the specs');
  }

  private acquire(call: Call, limits: CallLimits, now: number): Promise<void> | undefined {
    let bounds: AcquireBounds = limits.plan.bounds;
    if (call.deadline !== Infinity) {
      const left = Math.max(0, call.deadline - now);
      if (left < bounds.maxWaitMs) bounds = { ...bounds, maxWaitMs: left };
    }
    try {
      const waiting = this.limiter.acquire(limits.plan.queueKey, limits.parts, bounds, call.signal, now);
      return waiting === undefined ? undefined : waiting.catch((error: unknown) => this.refused(call, error));
    } catch (error) {
      return this.refused(call, error);
    }
  }

  private refused(call: Call, error: unknown): never {
    const signal = call.signal;
    if (!(signal?.aborted && error === signal.reason)) {
      const retryAfterMs = (error as { retryAfterMs?: number } | null)?.retryAfterMs;
      this.telemetry.rejected(call.key, rejectionReason(error), retryAfterMs, callFields(call));
    }
    throw error;
  }

  /** Steps 4–5: runs the method in the attempt's context, with the attempt's timeout and the caller's abort racing it. */
  private attempt(call: Call): unknown {
    const { plan, signal, deadline, limits } = call;
    const clock = this.config.clock;
    let timeoutMs = plan.retry?.attemptTimeoutMs;
    if (deadline !== Infinity) {
      const left = Math.max(1, deadline - call.now);
      if (timeoutMs === undefined || left < timeoutMs) timeoutMs = left;
    }
    call.resetAttempt(timeoutMs !== undefined);
    let value: unknown;
    try {
      value = runInContext(call, plan.original, call.thisArg, call.args);
    } catch (error) {
      // Thrown before the method returned: nothing was sent, so the request and its tokens go back.
      call.unsent = true;
      if (limits !== undefined) this.giveBack(limits);
      throw error;
    }
    if (!isThenable(value) || (timeoutMs === undefined && signal === undefined)) return value;
    // The context exists only if the method asked for it (its signal may then be in use): abort that one.
    const context = call.context;
    return new Promise((resolve, reject) => {
      let timer: unknown;
      let unsubscribe: (() => void) | undefined;
      const cleanup = (): void => {
        if (timer !== undefined) clock.clearTimeout(timer);
        unsubscribe?.();
      };
      if (timeoutMs !== undefined) {
        const ms = timeoutMs;
        timer = clock.setTimeout(() => {
          timer = undefined;
          cleanup();
          const error = new AttemptTimeoutError(ms);
          context?.abort(error);
          reject(error);
        }, ms);
      }
      if (signal !== undefined) {
        unsubscribe = onAbort(signal, () => {
          unsubscribe = undefined;
          cleanup();
          context?.abort(signal.reason);
          reject(signal.reason);
        });
      }
      value.then(
        (result) => {
          cleanup();
          resolve(result);
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
    });
  }

  /** Records a success: provider headers, real usage against the estimate. */
  private succeeded(plan: CompiledPlan, limits: CallLimits | undefined, key: string, call: Call, result: unknown): void {
    if (limits === undefined) {
      this.telemetry.succeeded(key, call.attempt, undefined, undefined);
      return;
    }
    const headers = resultHeaders(result);
    if (headers !== undefined) this.observe(limits, headers);
    let actual = plan.budget?.actual !== undefined ? plan.budget.actual(result) : usageTokens(result);
    if (actual === undefined || typeof actual !== 'number' || !Number.isFinite(actual) || actual < 0) actual = call.context?.usage;
    if (actual !== undefined && actual !== limits.estimate) this.settle(limits, actual - limits.estimate);
    this.telemetry.succeeded(key, call.attempt, plan.budget === undefined ? undefined : limits.estimate, actual);
  }

  /**
   * Records a failure: provider headers, and for a 429 the key's cooldown and the refund of the tokens the
   * provider did not charge. Returns the server's wait hint.
   */
  private failed(
    limits: CallLimits | undefined,
    key: string,
    classification: Classification,
    now: number,
    args: readonly unknown[],
    attempt: number,
    unsent: boolean,
  ): WaitHint | undefined {
    const { headers, body } = classification;
    const hint = headers !== undefined || body !== undefined ? serverWaitHint(headers, body, now) : undefined;
    if (classification.status === 429) this.telemetry.rateLimited(key);
    if (limits === undefined) return hint;
    if (headers !== undefined) this.observe(limits, headers);
    if (classification.status === 429) {
      if (limits.estimate > 0 && !unsent) this.settle(limits, -limits.estimate);
      if (hint !== undefined && classification.reason === 'rate-limited') {
        const store = this.config.store;
        for (const part of limits.parts) ignoreRejection(store.cooldown(part.spec, now + hint.ms, now));
        this.telemetry.cooldown(limits.plan.key, hint.ms, hint.source, this.fields(key, limits, args, attempt, classification, hint));
      }
    }
    return hint;
  }

  private observe(limits: CallLimits, headers: HeadersLike): void {
    const now = this.config.clock.now();
    const snapshot = parseRateLimitHeaders(headers, now);
    if (snapshot === undefined) return;
    ignoreRejection(this.config.store.observe(limits.parts[0]!.spec, snapshot, now));
    this.telemetry.observed(limits.plan.key, snapshot);
  }

  /** Returns an attempt's whole take (its request and estimated tokens) to every key: it never left. */
  private giveBack(limits: CallLimits): void {
    const now = this.config.clock.now();
    for (const part of limits.parts) ignoreRejection(this.config.store.settle(part.spec, -part.tokens, now, -part.requests));
    this.limiter.kick(limits.plan.queueKey);
  }

  private settle(limits: CallLimits, delta: number): void {
    const now = this.config.clock.now();
    for (const part of limits.parts) ignoreRejection(this.config.store.settle(part.spec, delta, now));
    if (delta < 0) this.limiter.kick(limits.plan.queueKey);
  }

  private fields(
    key: string,
    limits: CallLimits | undefined,
    args: readonly unknown[],
    attempt: number,
    classification: Classification,
    hint: WaitHint | undefined,
  ): AttemptFields {
    return {
      key,
      model: modelOf(args),
      attempt,
      status: classification.status,
      reason: classification.reason,
      estimatedTokens: limits?.estimate,
      retryAfterMs: hint === undefined ? undefined : Math.ceil(hint.ms),
    };
  }
}
