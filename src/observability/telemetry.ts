/**
 * What the runtime reports about calls: the interceptor and limiter call these hooks; logs (pino), metrics
 * (prom-client, {@link ResilienceMetrics}) and the low-capacity alert ({@link LowCapacityTracker}) are fed from
 * here. Only the fields listed here are ever logged — never a request body, a prompt, a completion, an error
 * object or a header value other than the rate-limit figures — and the loggers redact credentials besides
 * ({@link redactingLogger}).
 *
 * Cost: with no metrics configured and the logger below `debug`, a successful call costs a level check and,
 * when the response carried rate-limit headers, one map lookup to remember the provider's figures.
 * @packageDocumentation
 */

import type { Logger } from 'pino';
import { ResilienceError } from '../errors';
import { redactingLogger } from './log-redaction';
import { LOW_CAPACITY_DEFAULTS, LowCapacityTracker, type CapacityResource, type LowCapacityEvent } from './low-capacity';
import type { KeySeries, ResilienceMetrics } from './metrics';
import type { RateLimitSnapshot, ResourceSnapshot } from '../providers/rate-limit-headers';
import { isThenable } from '../util/values';

/** Most keys whose state (child logger, last provider figures, alert state) is kept; the oldest goes first. */
export const MAX_TELEMETRY_KEYS = 10_000;

/** What a {@link Telemetry} reports to (a subset of the resolved configuration). */
export interface TelemetryConfig {
  /** A pino logger. */
  readonly logger: Logger;
  /** The series to feed; none when metrics are not configured. */
  readonly metrics?: ResilienceMetrics;
  /** Called when a key's provider-reported capacity stays low. */
  readonly onLowCapacity?: (event: LowCapacityEvent) => void;
  /** The alert's threshold and streak length (defaults 0.1 and 3). */
  readonly lowCapacity?: { readonly threshold?: number; readonly consecutive?: number };
}

/** What identifies one attempt of a call in a log line. */
export interface CallFields {
  /** The call's key (its limit key, else `Class.method`). */
  readonly key: string;
  /** The request's `model` field, when present. */
  readonly model: string | undefined;
  /** Attempt number (1-based). */
  readonly attempt: number;
  /** Estimated tokens of the call, when it has a token budget. */
  readonly estimatedTokens: number | undefined;
}

/** Fields of a retry/failure report. */
export interface AttemptFields extends CallFields {
  /** HTTP status of the failure, if any. */
  readonly status: number | undefined;
  /** Classification reason (`rate-limited`, `server-error`, …). */
  readonly reason: string;
  /** The server's wait hint, ms, when it gave one. */
  readonly retryAfterMs?: number | undefined;
}

/** Per-key state: child logger, the provider's last figures, alert state, metric figures. */
class KeyState {
  logger: Logger | undefined = undefined;
  remainingRequests: number | undefined = undefined;
  remainingTokens: number | undefined = undefined;
  limitRequests: number | undefined = undefined;
  limitTokens: number | undefined = undefined;
  lowRequests: LowCapacityTracker | undefined = undefined;
  lowTokens: LowCapacityTracker | undefined = undefined;
  constructor(readonly series: KeySeries | undefined) {}
}

/**
 * A log-safe reason for a limiter refusal: this library's own error messages (keys and numbers only), else
 * just the error's name — never a foreign error's message.
 */
export function rejectionReason(error: unknown): string {
  if (error instanceof ResilienceError) return error.message;
  if (error instanceof Error) return error.name;
  return typeof error;
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}

/** Receives everything the runtime decides. */
export class Telemetry {
  /** The runtime's logger: a child of the configured one that redacts credentials. */
  readonly logger: Logger;
  private readonly metrics: ResilienceMetrics | undefined;
  private readonly onLowCapacity: ((event: LowCapacityEvent) => void) | undefined;
  private readonly threshold: number;
  private readonly consecutive: number;
  private readonly keys = new Map<string, KeyState>();

  /** @param config - logger, metrics and the low-capacity alert. */
  constructor(config: TelemetryConfig) {
    this.logger = redactingLogger(config.logger);
    this.metrics = config.metrics;
    this.onLowCapacity = config.onLowCapacity;
    this.threshold = config.lowCapacity?.threshold ?? LOW_CAPACITY_DEFAULTS.threshold;
    this.consecutive = config.lowCapacity?.consecutive ?? LOW_CAPACITY_DEFAULTS.consecutive;
  }

  /** Keys whose state is held (bounded by {@link MAX_TELEMETRY_KEYS}). */
  get trackedKeys(): number {
    return this.keys.size;
  }

  /** The provider's figures last reported for `key` (what log lines carry as `remainingRequests`/`remainingTokens`). */
  lastReported(key: string): { remainingRequests?: number; remainingTokens?: number } | undefined {
    const state = this.keys.get(key);
    if (state === undefined) return undefined;
    return { remainingRequests: state.remainingRequests, remainingTokens: state.remainingTokens };
  }

  /** A call starts (after its keys are resolved). */
  started(key: string): void {
    if (this.metrics !== undefined) this.state(key).series!.inflight++;
  }

  /** A call ends, whatever the outcome. */
  finished(key: string): void {
    if (this.metrics !== undefined) this.state(key).series!.inflight--;
  }

  /**
   * A call waited `waitMs` for capacity before an attempt.
   * @param call - the call's model, attempt and estimate, for the log line.
   */
  waited(key: string, waitMs: number, call?: CallFields): void {
    const state = this.metrics !== undefined || this.logger.isLevelEnabled('info') ? this.state(key) : undefined;
    if (state === undefined) return;
    if (state.series !== undefined) this.metrics!.observeWait(state.series, waitMs / 1000);
    if (this.logger.isLevelEnabled('info')) {
      this.keyLogger(key, state).info(
        {
          model: call?.model,
          attempt: call?.attempt,
          estimatedTokens: call?.estimatedTokens,
          waitMs: Math.round(waitMs),
          remainingRequests: state.remainingRequests,
          remainingTokens: state.remainingTokens,
        },
        'waited for capacity',
      );
    }
  }

  /** A call starts waiting in a key's queue (first estimate of the wait). */
  queued(key: string, waitMs: number, queueLength: number): void {
    if (this.logger.isLevelEnabled('debug')) {
      this.keyLogger(key, this.state(key)).debug({ waitMs: Math.round(waitMs), queueLength }, 'waiting for capacity');
    }
  }

  /** The provider answered 429. */
  rateLimited(key: string): void {
    if (this.metrics !== undefined) this.state(key).series!.rateLimited++;
  }

  /** A retry is scheduled after `delayMs`. */
  retry(fields: AttemptFields, delayMs: number, retryAfterMs: number | undefined): void {
    const state = this.state(fields.key);
    const series = state.series;
    if (series !== undefined) series.retries.set(fields.reason, (series.retries.get(fields.reason) ?? 0) + 1);
    if (this.logger.isLevelEnabled('warn')) {
      this.keyLogger(fields.key, state).warn(
        { ...this.attemptLog(fields, state), retryAfterMs: fields.retryAfterMs ?? retryAfterMs, delayMs: Math.round(delayMs) },
        'llm call failed; retrying',
      );
    }
  }

  /** The call failed for good (`stop`: `not-retryable`, or a `RetryExhaustedError` reason). */
  failed(fields: AttemptFields, stop: string): void {
    const state = this.state(fields.key);
    if (state.series !== undefined) state.series.failure++;
    if (this.logger.isLevelEnabled('warn')) {
      this.keyLogger(fields.key, state).warn({ ...this.attemptLog(fields, state), stop }, 'llm call failed');
    }
  }

  /**
   * The limiter refused the call (`RateLimitExceededError` or `TokenBudgetExceededError`).
   * @param reason - a log-safe description ({@link rejectionReason}).
   * @param call - the call's model, attempt and estimate, for the log line.
   */
  rejected(key: string, reason: string, retryAfterMs: number | undefined, call?: CallFields): void {
    const state = this.state(key);
    if (state.series !== undefined) state.series.rejected++;
    if (this.logger.isLevelEnabled('warn')) {
      this.keyLogger(key, state).warn(
        {
          model: call?.model,
          attempt: call?.attempt,
          estimatedTokens: call?.estimatedTokens,
          reason,
          retryAfterMs: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs),
          remainingRequests: state.remainingRequests,
          remainingTokens: state.remainingTokens,
        },
        'llm call rejected by limiter',
      );
    }
  }

  /**
   * The key pauses dispatch until a 429's wait has passed.
   * @param fields - the attempt that got the 429, for the log line.
   */
  cooldown(key: string, waitMs: number, source: string, fields?: AttemptFields): void {
    if (!this.logger.isLevelEnabled('warn')) return;
    const state = this.state(key);
    const attempt = fields === undefined ? { remainingRequests: state.remainingRequests, remainingTokens: state.remainingTokens } : this.attemptLog(fields, state);
    this.keyLogger(key, state).warn({ ...attempt, waitMs: Math.round(waitMs), source }, 'provider rate limit: key paused');
  }

  /** Rate-limit headers were read for the key. */
  observed(key: string, snapshot: RateLimitSnapshot): void {
    const state = this.state(key);
    if (snapshot.requests !== undefined) this.resource(key, state, 'requests', snapshot.requests);
    if (snapshot.tokens !== undefined) this.resource(key, state, 'tokens', snapshot.tokens);
  }

  /** The call succeeded. */
  succeeded(key: string, attempt: number, estimatedTokens: number | undefined, actualTokens: number | undefined): void {
    if (this.metrics !== undefined) {
      const series = this.state(key).series!;
      series.success++;
      if (estimatedTokens !== undefined) series.estimatedTokens += estimatedTokens;
      if (actualTokens !== undefined) series.actualTokens += actualTokens;
    }
    if (this.logger.isLevelEnabled('debug')) {
      const state = this.state(key);
      this.keyLogger(key, state).debug(
        { attempt, estimatedTokens, actualTokens, remainingRequests: state.remainingRequests, remainingTokens: state.remainingTokens },
        'llm call succeeded',
      );
    }
  }

  private attemptLog(fields: AttemptFields, state: KeyState): Record<string, unknown> {
    return {
      model: fields.model,
      attempt: fields.attempt,
      status: fields.status,
      reason: fields.reason,
      estimatedTokens: fields.estimatedTokens,
      retryAfterMs: fields.retryAfterMs,
      remainingRequests: state.remainingRequests,
      remainingTokens: state.remainingTokens,
    };
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (state === undefined) {
      if (this.keys.size >= MAX_TELEMETRY_KEYS) this.keys.delete(this.keys.keys().next().value!);
      state = new KeyState(this.metrics?.series(key));
      this.keys.set(key, state);
    }
    return state;
  }

  private keyLogger(key: string, state: KeyState): Logger {
    return (state.logger ??= this.logger.child({ key }));
  }

  /** Remembers one resource's figures, updates its gauges and feeds the alert. */
  private resource(key: string, state: KeyState, resource: CapacityResource, snapshot: ResourceSnapshot): void {
    const requests = resource === 'requests';
    let limit = snapshot.limit;
    if (limit !== undefined && limit > 0) {
      if (requests) state.limitRequests = limit;
      else state.limitTokens = limit;
    } else {
      limit = requests ? state.limitRequests : state.limitTokens;
    }
    const remaining = snapshot.remaining;
    if (remaining === undefined) return;
    if (requests) state.remainingRequests = remaining;
    else state.remainingTokens = remaining;
    const series = state.series;
    if (series !== undefined) {
      if (requests) series.remainingRequests = remaining;
      else series.remainingTokens = remaining;
    }
    if (limit === undefined) return;
    const ratio = remaining / limit;
    if (series !== undefined) {
      if (requests) series.ratioRequests = ratio;
      else series.ratioTokens = ratio;
    }
    const tracker = requests
      ? (state.lowRequests ??= new LowCapacityTracker(this.threshold, this.consecutive))
      : (state.lowTokens ??= new LowCapacityTracker(this.threshold, this.consecutive));
    if (tracker.observe(ratio)) this.lowCapacity(state, { key, resource, remaining, limit, ratio });
  }

  /** The key's overload breaker changed state (open: the provider is failing; calls fail fast). */
  breakerChanged(key: string, breaker: 'closed' | 'open' | 'half-open'): void {
    const state = this.state(key);
    if (state.series !== undefined) state.series.breakerTransitions.set(breaker, (state.series.breakerTransitions.get(breaker) ?? 0) + 1);
    const logger = this.keyLogger(key, state);
    if (breaker === 'open') logger.warn({ breaker }, 'provider failing: overload breaker open, calls fail fast');
    else logger.info({ breaker }, 'overload breaker ' + breaker);
  }

  private lowCapacity(state: KeyState, event: LowCapacityEvent): void {
    const logger = this.keyLogger(event.key, state);
    if (logger.isLevelEnabled('warn')) {
      logger.warn(
        {
          resource: event.resource,
          remaining: event.remaining,
          limit: event.limit,
          ratio: event.ratio,
          threshold: this.threshold,
          consecutive: this.consecutive,
        },
        'provider capacity low: shrink prompts, slow down or ask for more quota',
      );
    }
    const callback = this.onLowCapacity;
    if (callback === undefined) return;
    try {
      const result: unknown = callback(event);
      if (isThenable(result)) result.then(undefined, (error: unknown) => this.callbackFailed(logger, event, error));
    } catch (error) {
      this.callbackFailed(logger, event, error);
    }
  }

  private callbackFailed(logger: Logger, event: LowCapacityEvent, error: unknown): void {
    logger.error({ resource: event.resource, error: errorName(error) }, 'onLowCapacity callback failed');
  }
}
