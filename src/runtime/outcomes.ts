/**
 * Step 6 of the composition order: what an attempt's outcome teaches the limits. Provider headers are adopted,
 * real usage is settled against the estimate, a 429 gives back the tokens the provider did not charge and its
 * wait pauses the whole key; a method that threw before sending anything gives back its whole take.
 * @packageDocumentation
 */

import type { EventHub } from '../events/hub';
import type { StreamDialect } from '../providers/streams/chunk-facts';
import type { AttemptFailure, CallInfo, StreamOutcome } from '../events/types';
import type { Limiter } from '../limits/limiter';
import type { LimiterStore } from '../limits/store';
import type { Classification } from '../providers/classify';
import type { HeadersLike } from '../providers/headers';
import { parseRateLimitHeaders } from '../providers/rate-limit-headers';
import { resultHeaders } from '../providers/result-headers';
import { serverWaitHint, type WaitHint } from '../providers/wait-hints';
import { usageTokens } from '../tokens/usage';
import { ignoreRejection, isThenable } from '../util/values';
import type { Clock } from '../clock';
import type { Call } from './call';
import type { CapacityReporter } from './capacity';
import { chargesTokens, specInForce, type CallLimits } from './plan';
import { adviseOnce } from './process-warnings';
import type { ProviderLimits } from './provider-limits';
import { logSafeReason } from '../errors';

/** A failed attempt, classified (what the retry decision and the events need). */
export interface Failure {
  /** What the attempt threw (unwrapped). */
  readonly error: unknown;
  /** Its classification. */
  readonly classification: Classification;
  /** The server's requested wait, if any. */
  readonly hint: WaitHint | undefined;
  /** False when the method threw before sending anything. */
  readonly sent: boolean;
}

/** The `model` of a call's first argument (a request body), for events and messages. */
export function modelOf(args: readonly unknown[]): string | undefined {
  const first = args[0] as { model?: unknown } | null | undefined;
  return first !== null && typeof first === 'object' && typeof first.model === 'string' ? first.model : undefined;
}

/** The event fields identifying the call's current attempt. */
export function callInfo(call: Call): CallInfo {
  return { key: call.key, model: modelOf(call.args), attempt: call.attempt, estimatedTokens: call.limits?.estimate };
}

/** The event fields of a failed attempt. */
export function failureInfo(call: Call, failure: Failure): AttemptFailure {
  const { classification, hint } = failure;
  return {
    key: call.key,
    model: modelOf(call.args),
    attempt: call.attempt,
    estimatedTokens: call.limits?.estimate,
    status: classification.status,
    reason: classification.reason,
    retryAfterMs: hint === undefined ? undefined : Math.ceil(hint.ms),
  };
}

/** Records attempt outcomes in the store, the limiter's queues and the events. */
export class Outcomes {
  /**
   * @param store - the limiter store.
   * @param limiter - the queues to wake when capacity comes back.
   * @param clock - the runtime's clock.
   * @param events - where outcomes are published.
   * @param capacity - turns observed rate-limit headers into capacity events.
   * @param providerLimits - the per-minute limits providers report, lowering configured ones above them.
   */
  constructor(
    private readonly store: LimiterStore,
    private readonly limiter: Limiter,
    private readonly clock: Clock,
    private readonly events: EventHub,
    private readonly capacity: CapacityReporter,
    private readonly providerLimits: ProviderLimits,
  ) {}

  /** A success: provider headers on the result, real usage against the estimate, then the event. */
  succeeded(call: Call, result: unknown): void {
    const limits = call.limits;
    const events = this.events;
    if (limits === undefined) {
      if (events.succeeded.listening) {
        events.succeeded.emit({ key: call.key, model: modelOf(call.args), attempt: call.attempt, estimatedTokens: undefined, actualTokens: undefined });
      }
      return;
    }
    const headers = resultHeaders(result);
    if (headers !== undefined) this.observe(limits, headers);
    const budget = call.plan.budget;
    const reported: unknown = (budget?.actual !== undefined ? budget.actual(result) : usageTokens(result)) ?? call.context?.usage;
    const actual = typeof reported === 'number' ? this.plausible(call.key, limits, reported) : undefined;
    if (actual !== undefined && actual !== limits.estimate) this.settle(limits, actual - limits.estimate);
    if (events.succeeded.listening) {
      events.succeeded.emit({
        key: call.key,
        model: modelOf(call.args),
        attempt: call.attempt,
        estimatedTokens: budget === undefined ? undefined : limits.estimate,
        actualTokens: actual,
      });
    }
  }

  /** A stream opened (its first content arrived): the call succeeded; its usage settles when it ends. */
  streamOpened(call: Call): void {
    const events = this.events;
    if (events.succeeded.listening) {
      events.succeeded.emit({
        key: call.key,
        model: modelOf(call.args),
        attempt: call.attempt,
        estimatedTokens: call.plan.budget === undefined ? undefined : call.limits?.estimate,
        actualTokens: undefined,
      });
    }
  }

  /**
   * A stream ended: a completed stream settles the usage it reported against the estimate; an interrupted,
   * abandoned or aborted one keeps the estimate charged (the provider charged the request).
   */
  streamEnded(call: Call, outcome: StreamOutcome, tokens: number | undefined, chunks: number, error: unknown, dialect: StreamDialect | undefined): void {
    const limits = call.limits;
    let actual: number | undefined;
    if (outcome === 'completed' && tokens !== undefined && limits !== undefined) {
      actual = this.plausible(call.key, limits, tokens);
      if (actual !== undefined && actual !== limits.estimate) this.settle(limits, actual - limits.estimate);
    }
    if (outcome === 'completed' && tokens === undefined && dialect === 'openai-chat' && limits !== undefined && call.plan.budget !== undefined) {
      adviseOnce('LLM_RESILIENCE_STREAM_USAGE');
    }
    const events = this.events;
    if (events.streamEnd.listening) {
      events.streamEnd.emit({
        ...callInfo(call),
        outcome,
        chunks,
        actualTokens: actual,
        reason: error === undefined ? undefined : logSafeReason(error),
      });
    }
  }

  /**
   * A failure: classifies it, adopts its headers, and for a 429 refunds the tokens the provider did not charge,
   * pauses the key for the server's wait and publishes `rateLimited` and `cooldown`.
   * @param call - the call.
   * @param error - what the attempt threw (unwrapped).
   * @param classification - its classification.
   * @param sent - false when the method threw before sending anything (its take was already given back).
   */
  failed(call: Call, error: unknown, classification: Classification, sent: boolean): Failure {
    const now = this.clock.now();
    const { headers, body } = classification;
    const hint = headers !== undefined || body !== undefined ? serverWaitHint(headers, body, now) : undefined;
    const failure: Failure = { error, classification, hint, sent };
    const limits = call.limits;
    const events = this.events;
    const rateLimited = classification.status === 429;
    if (rateLimited && events.rateLimited.listening) events.rateLimited.emit(failureInfo(call, failure));
    if (classification.sdkRetried === true) {
      adviseOnce('LLM_RESILIENCE_SDK_RETRIES');
      if (events.sdkRetried.listening) events.sdkRetried.emit({ ...callInfo(call), wrapper: error instanceof Error ? error.name : typeof error });
    }
    if (limits === undefined) return failure;
    if (headers !== undefined) this.observe(limits, headers);
    if (rateLimited) {
      if (limits.estimate > 0 && sent) this.settle(limits, -limits.estimate);
      if (hint !== undefined && classification.reason === 'rate-limited') {
        // however absurd the server's value, the key pauses at most maxCooldownMs (the call itself may give up)
        const waitMs = Math.min(hint.ms, limits.plan.maxCooldownMs);
        for (const part of limits.parts) ignoreRejection(this.store.cooldown(part.spec, now + waitMs, now));
        if (events.cooldown.listening) {
          events.cooldown.emit({ ...failureInfo(call, failure), key: limits.plan.key, waitMs, requestedMs: hint.ms, source: hint.source });
        }
      }
    }
    return failure;
  }

  /**
   * A reported usage that can be settled, or `undefined` to keep the estimate: a figure that cannot be true (not
   * finite, negative, or above the per-minute limit a provider refuses any request beyond) tells nothing about the
   * request, so the estimate stays charged and the figure is published as `bogusUsage`. One absurd figure never
   * blocks a key.
   */
  private plausible(key: string, limits: CallLimits, reported: number): number | undefined {
    const limit = limits.plan.largestUsage;
    if (Number.isFinite(reported) && reported >= 0 && reported <= limit) return reported;
    const events = this.events;
    if (events.bogusUsage.listening) events.bogusUsage.emit({ key, reported, limit: Number.isFinite(limit) ? limit : undefined });
    return undefined;
  }

  /** Rate-limit headers of an attempt: the store adopts them, the capacity events report them. */
  observe(limits: CallLimits, headers: HeadersLike): void {
    const now = this.clock.now();
    const snapshot = parseRateLimitHeaders(headers, now);
    if (snapshot === undefined) return;
    // a configured limit above the provider's: the calls waiting and every next attempt go at the provider's
    const changes = this.providerLimits.observe(limits.plan.configuredSpecs, snapshot);
    if (changes.length > 0) {
      const provider = this.providerLimits;
      this.limiter.respec((spec) => specInForce(spec, provider));
      if (this.events.providerLimit.listening) for (const change of changes) this.events.providerLimit.emit(change);
    }
    // every key of the call learns from the response (each spec says which resources that key limits); a limit
    // learned or changed wakes the calls waiting on the key
    const queueKey = limits.plan.queueKey;
    for (const part of limits.parts) {
      const changed = this.store.observe(part.spec, snapshot, now);
      if (changed === true) this.limiter.kick(queueKey);
      else if (isThenable(changed)) {
        changed.then(
          (learned) => {
            if (learned === true) this.limiter.kick(queueKey);
          },
          () => undefined,
        );
      }
    }
    // with a budget key of its own, the tokens are the budget key's (its gauges and low-capacity alerts)
    this.capacity.observed(limits.plan.key, snapshot, limits.plan.budgetKey ?? limits.plan.key);
  }

  /** Returns an attempt's whole take (its request and estimated tokens) to every key: it never left. */
  giveBack(limits: CallLimits): void {
    this.limiter.giveBack(limits.parts, this.clock.now());
    this.limiter.kick(limits.plan.queueKey);
  }

  private settle(limits: CallLimits, delta: number): void {
    const now = this.clock.now();
    // tokens are settled on the keys that are charged tokens (a separate rate key is charged requests only)
    for (const part of limits.parts) if (chargesTokens(part.spec)) ignoreRejection(this.store.settle(part.spec, delta, now));
    if (delta < 0) this.limiter.kick(limits.plan.queueKey);
  }
}
