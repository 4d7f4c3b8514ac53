/**
 * Structured pino logs of the runtime's events. Which events are logged is settled once, when the logs are
 * subscribed (at configure time): an event whose level is disabled gets no listener, so it costs nothing on the
 * call path. A later change of the logger's level applies after the next `configureResilience`.
 *
 * Only event fields are written: keys, models, attempts, statuses, reasons, waits, token counts and the
 * provider's last reported remaining figures. Never a request body, a prompt, a completion, an error object or
 * a header value; the logger redacts credentials besides (see `log-redaction.ts`).
 * @packageDocumentation
 */

import type { Logger } from 'pino';
import type { Disposable } from '../events/disposable';
import type { ResilienceEvents } from '../events/hub';
import type { AttemptFailure, CallInfo, CapacityEvent } from '../events/types';
import { BoundedMap } from '../util/bounded-map';

/** Most keys whose child logger and last reported figures are kept; the oldest goes first. */
export const MAX_LOG_KEYS = 10_000;

/** One key's child logger and the provider's figures last reported for it. */
class KeyLog {
  logger: Logger | undefined = undefined;
  remainingRequests: number | undefined = undefined;
  remainingTokens: number | undefined = undefined;
}

/** The runtime's log lines, fed by its events. */
export class EventLogs {
  private readonly keys = new BoundedMap<string, KeyLog>(MAX_LOG_KEYS);

  /**
   * @param logger - the (redacting) logger to write to; per-key children carry `key`.
   * @param lowCapacity - the alert's settings, written on its lines.
   */
  constructor(
    readonly logger: Logger,
    private readonly lowCapacity: { readonly threshold: number; readonly consecutive: number },
  ) {}

  /** Keys whose state is held (bounded by {@link MAX_LOG_KEYS}). */
  get trackedKeys(): number {
    return this.keys.size;
  }

  /** The provider's figures last reported for `key` (what log lines carry as `remainingRequests`/`remainingTokens`). */
  lastReported(key: string): { remainingRequests?: number; remainingTokens?: number } | undefined {
    const state = this.keys.get(key);
    if (state === undefined) return undefined;
    return { remainingRequests: state.remainingRequests, remainingTokens: state.remainingTokens };
  }

  /**
   * Subscribes the log lines whose level is enabled now.
   * @returns one disposable for all of them.
   */
  subscribe(events: ResilienceEvents): Disposable {
    const logger = this.logger;
    const warn = logger.isLevelEnabled('warn');
    const info = logger.isLevelEnabled('info');
    const debug = logger.isLevelEnabled('debug');
    const subscriptions: Disposable[] = [];
    if (warn || info || debug) subscriptions.push(events.onCapacity((e) => this.capacity(e)));
    if (warn) {
      subscriptions.push(
        events.onRetry((e) => this.line(e.key).warn({ ...this.attempt(e), delayMs: Math.round(e.delayMs) }, 'llm call failed; retrying')),
        events.onFailed((e) => this.line(e.key).warn({ ...this.attempt(e), stop: e.stop }, 'llm call failed')),
        events.onRejected((e) =>
          this.line(e.key).warn(
            { ...this.call(e), reason: e.reason, retryAfterMs: e.retryAfterMs === undefined ? undefined : Math.ceil(e.retryAfterMs), ...this.remaining(e.key) },
            'llm call rejected by limiter',
          ),
        ),
        events.onCooldown((e) =>
          this.line(e.key).warn(
            { ...this.attempt(e), waitMs: Math.round(e.waitMs), source: e.source, ...(e.requestedMs > e.waitMs ? { cappedFromMs: Math.round(e.requestedMs) } : {}) },
            'provider rate limit: key paused',
          ),
        ),
        events.onStreamEnd((e) => {
          if (e.outcome === 'interrupted') {
            this.line(e.key).warn({ ...this.call(e), chunks: e.chunks, reason: e.reason, ...this.remaining(e.key) }, 'llm stream interrupted');
          }
        }),
        events.onSdkRetried((e) =>
          this.line(e.key).warn(
            { ...this.call(e), wrapper: e.wrapper },
            "the client retried this call itself before giving up: set its own retries to 0 (the AI SDK's maxRetries: 0) so every 429 and server wait reaches the runtime",
          ),
        ),
        events.onProviderLimit((e) =>
          this.line(e.key).warn(
            { resource: e.resource, configured: e.configured, inForce: e.inForce },
            e.inForce < e.configured
              ? 'the provider reports a lower per-minute limit than configured: its limit is used'
              : 'the provider reports the configured limit again: the configured limit is used',
          ),
        ),
        events.onBogusUsage((e) =>
          this.line(e.key).warn({ reported: e.reported, limit: e.limit }, 'provider reported an impossible usage: ignored, the estimate is kept'),
        ),
        events.onLowCapacity((e) =>
          this.line(e.key).warn(
            { resource: e.resource, remaining: e.remaining, limit: e.limit, ratio: e.ratio, ...this.lowCapacity },
            'provider capacity low: shrink prompts, slow down or ask for more quota',
          ),
        ),
      );
    }
    if (info) {
      subscriptions.push(
        events.onWaited((e) => this.line(e.key).info({ ...this.call(e), waitMs: Math.round(e.waitMs), ...this.remaining(e.key) }, 'waited for capacity')),
      );
    }
    if (warn || info) {
      subscriptions.push(
        events.onBreakerChange((e) => {
          if (e.state === 'open') this.line(e.key).warn({ breaker: e.state }, 'provider failing: overload breaker open, calls fail fast');
          else this.line(e.key).info({ breaker: e.state }, `overload breaker ${e.state}`);
        }),
      );
    }
    if (debug) {
      subscriptions.push(
        events.onQueued((e) => this.line(e.key).debug({ waitMs: Math.round(e.waitMs), queueLength: e.queueLength }, 'waiting for capacity')),
        events.onStreamEnd((e) => {
          if (e.outcome !== 'interrupted') {
            this.line(e.key).debug({ ...this.call(e), outcome: e.outcome, chunks: e.chunks, actualTokens: e.actualTokens, reason: e.reason }, 'llm stream ended');
          }
        }),
        events.onSucceeded((e) =>
          this.line(e.key).debug(
            { attempt: e.attempt, estimatedTokens: e.estimatedTokens, actualTokens: e.actualTokens, ...this.remaining(e.key) },
            'llm call succeeded',
          ),
        ),
      );
    }
    return {
      dispose: () => {
        for (const subscription of subscriptions) subscription.dispose();
      },
    };
  }

  private capacity(e: CapacityEvent): void {
    const state = this.state(e.key);
    if (e.resource === 'requests') state.remainingRequests = e.remaining;
    else state.remainingTokens = e.remaining;
  }

  private call(e: CallInfo): Record<string, unknown> {
    return { model: e.model, attempt: e.attempt, estimatedTokens: e.estimatedTokens };
  }

  private attempt(e: AttemptFailure): Record<string, unknown> {
    return {
      model: e.model,
      attempt: e.attempt,
      status: e.status,
      reason: e.reason,
      estimatedTokens: e.estimatedTokens,
      retryAfterMs: e.retryAfterMs,
      ...this.remaining(e.key),
    };
  }

  private remaining(key: string): { remainingRequests: number | undefined; remainingTokens: number | undefined } {
    const state = this.keys.get(key);
    return { remainingRequests: state?.remainingRequests, remainingTokens: state?.remainingTokens };
  }

  private state(key: string): KeyLog {
    return this.keys.getOrCreate(key, () => new KeyLog());
  }

  private line(key: string): Logger {
    const state = this.state(key);
    return (state.logger ??= this.logger.child({ key }));
  }
}
