/**
 * The runtime's event surface: one typed `onX` per event, each returning a {@link Disposable}. The runtime
 * publishes; logs, metrics, the low-capacity callback and users' own sinks subscribe.
 * @packageDocumentation
 */

import type { Disposable } from './disposable';
import { Emitter, type Listener, type ListenerErrorSink } from './emitter';
import type {
  BogusUsageEvent,
  BreakerEvent,
  CallEvent,
  CapacityEvent,
  CooldownEvent,
  FailedEvent,
  LowCapacityEvent,
  ProviderLimitEvent,
  QueuedEvent,
  RateLimitedEvent,
  RejectedEvent,
  RetryEvent,
  SdkRetriedEvent,
  StreamEndEvent,
  SucceededEvent,
  WaitedEvent,
} from './types';

/**
 * Subscribe to what the runtime does (`configureResilience(...).events`). Listeners run synchronously on the
 * call's path, so keep them cheap: hand heavy work to a queue. A listener that throws (or returns a promise that
 * rejects) is reported and never breaks a call or another listener.
 */
export interface ResilienceEvents {
  /** An attempt failed and the call will retry after a delay. */
  onRetry(listener: Listener<RetryEvent>): Disposable;
  /** The provider answered 429. */
  onRateLimited(listener: Listener<RateLimitedEvent>): Disposable;
  /** A client retried a call itself before the runtime saw its error (set the client's own retries to 0). */
  onSdkRetried(listener: Listener<SdkRetriedEvent>): Disposable;
  /** A 429's wait paused the whole key. */
  onCooldown(listener: Listener<CooldownEvent>): Disposable;
  /** A call started waiting for capacity. */
  onQueued(listener: Listener<QueuedEvent>): Disposable;
  /** An attempt waited for capacity and starts now. */
  onWaited(listener: Listener<WaitedEvent>): Disposable;
  /** The limiter refused a call, or an open breaker failed it fast. */
  onRejected(listener: Listener<RejectedEvent>): Disposable;
  /** A call succeeded (for a stream: its first content arrived). */
  onSucceeded(listener: Listener<SucceededEvent>): Disposable;
  /** A stream a call returned has ended: completed, interrupted, abandoned or aborted, with its usage. */
  onStreamEnd(listener: Listener<StreamEndEvent>): Disposable;
  /** A call failed for good (its last attempt failed). */
  onFailed(listener: Listener<FailedEvent>): Disposable;
  /** A key's overload breaker changed state. */
  onBreakerChange(listener: Listener<BreakerEvent>): Disposable;
  /** A call's reported usage could not be true: it was ignored and the estimate kept. */
  onBogusUsage(listener: Listener<BogusUsageEvent>): Disposable;
  /** The provider reported a key's remaining requests or tokens. */
  onCapacity(listener: Listener<CapacityEvent>): Disposable;
  /** The provider reports a lower per-minute limit than a key's configured one: the provider's is used. */
  onProviderLimit(listener: Listener<ProviderLimitEvent>): Disposable;
  /** A key's remaining capacity stayed low (see `configureResilience({ lowCapacity })`). */
  onLowCapacity(listener: Listener<LowCapacityEvent>): Disposable;
  /** A call started. */
  onCallStart(listener: Listener<CallEvent>): Disposable;
  /** A call ended, whatever the outcome. */
  onCallEnd(listener: Listener<CallEvent>): Disposable;
}

/**
 * Reports a listener's failure as a process warning, once per event name (the default sink; the runtime logs
 * them instead when a logger is configured).
 */
export function warnOnce(): ListenerErrorSink {
  const warned = new Set<string>();
  return (event, error) => {
    if (warned.has(event)) return;
    warned.add(event);
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
    process.emitWarning(`an llm-resilience "${event}" listener failed (${detail}); further failures of it are not reported`, {
      code: 'LLM_RESILIENCE_LISTENER_ERROR',
    });
  };
}

/** The emitters behind {@link ResilienceEvents} (internal: the runtime publishes through them). */
export class EventHub implements ResilienceEvents {
  readonly retry: Emitter<RetryEvent>;
  readonly rateLimited: Emitter<RateLimitedEvent>;
  readonly sdkRetried: Emitter<SdkRetriedEvent>;
  readonly cooldown: Emitter<CooldownEvent>;
  readonly queued: Emitter<QueuedEvent>;
  readonly waited: Emitter<WaitedEvent>;
  readonly rejected: Emitter<RejectedEvent>;
  readonly succeeded: Emitter<SucceededEvent>;
  readonly streamEnd: Emitter<StreamEndEvent>;
  readonly failed: Emitter<FailedEvent>;
  readonly breaker: Emitter<BreakerEvent>;
  readonly bogusUsage: Emitter<BogusUsageEvent>;
  readonly capacity: Emitter<CapacityEvent>;
  readonly providerLimit: Emitter<ProviderLimitEvent>;
  readonly lowCapacity: Emitter<LowCapacityEvent>;
  readonly callStart: Emitter<CallEvent>;
  readonly callEnd: Emitter<CallEvent>;

  /** @param failed - where listener failures go. */
  constructor(failed: ListenerErrorSink = warnOnce()) {
    this.retry = new Emitter('retry', failed);
    this.rateLimited = new Emitter('rateLimited', failed);
    this.sdkRetried = new Emitter('sdkRetried', failed);
    this.cooldown = new Emitter('cooldown', failed);
    this.queued = new Emitter('queued', failed);
    this.waited = new Emitter('waited', failed);
    this.rejected = new Emitter('rejected', failed);
    this.succeeded = new Emitter('succeeded', failed);
    this.streamEnd = new Emitter('streamEnd', failed);
    this.failed = new Emitter('failed', failed);
    this.breaker = new Emitter('breakerChange', failed);
    this.bogusUsage = new Emitter('bogusUsage', failed);
    this.capacity = new Emitter('capacity', failed);
    this.providerLimit = new Emitter('providerLimit', failed);
    this.lowCapacity = new Emitter('lowCapacity', failed);
    this.callStart = new Emitter('callStart', failed);
    this.callEnd = new Emitter('callEnd', failed);
  }

  /** @inheritDoc */
  onRetry(listener: Listener<RetryEvent>): Disposable {
    return this.retry.on(listener);
  }
  /** @inheritDoc */
  onRateLimited(listener: Listener<RateLimitedEvent>): Disposable {
    return this.rateLimited.on(listener);
  }
  /** @inheritDoc */
  onSdkRetried(listener: Listener<SdkRetriedEvent>): Disposable {
    return this.sdkRetried.on(listener);
  }
  /** @inheritDoc */
  onCooldown(listener: Listener<CooldownEvent>): Disposable {
    return this.cooldown.on(listener);
  }
  /** @inheritDoc */
  onQueued(listener: Listener<QueuedEvent>): Disposable {
    return this.queued.on(listener);
  }
  /** @inheritDoc */
  onWaited(listener: Listener<WaitedEvent>): Disposable {
    return this.waited.on(listener);
  }
  /** @inheritDoc */
  onRejected(listener: Listener<RejectedEvent>): Disposable {
    return this.rejected.on(listener);
  }
  /** @inheritDoc */
  onSucceeded(listener: Listener<SucceededEvent>): Disposable {
    return this.succeeded.on(listener);
  }
  /** @inheritDoc */
  onStreamEnd(listener: Listener<StreamEndEvent>): Disposable {
    return this.streamEnd.on(listener);
  }
  /** @inheritDoc */
  onFailed(listener: Listener<FailedEvent>): Disposable {
    return this.failed.on(listener);
  }
  /** @inheritDoc */
  onBreakerChange(listener: Listener<BreakerEvent>): Disposable {
    return this.breaker.on(listener);
  }
  /** @inheritDoc */
  onBogusUsage(listener: Listener<BogusUsageEvent>): Disposable {
    return this.bogusUsage.on(listener);
  }
  /** @inheritDoc */
  onCapacity(listener: Listener<CapacityEvent>): Disposable {
    return this.capacity.on(listener);
  }
  /** @inheritDoc */
  onProviderLimit(listener: Listener<ProviderLimitEvent>): Disposable {
    return this.providerLimit.on(listener);
  }
  /** @inheritDoc */
  onLowCapacity(listener: Listener<LowCapacityEvent>): Disposable {
    return this.lowCapacity.on(listener);
  }
  /** @inheritDoc */
  onCallStart(listener: Listener<CallEvent>): Disposable {
    return this.callStart.on(listener);
  }
  /** @inheritDoc */
  onCallEnd(listener: Listener<CallEvent>): Disposable {
    return this.callEnd.on(listener);
  }
}
