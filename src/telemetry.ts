/**
 * What the runtime reports about calls: the interceptor and limiter call these hooks; logs (pino), metrics
 * (prom-client) and the low-capacity alert are fed from here. Only the fields listed here are ever logged —
 * never a request body, a prompt, a completion or a header value other than the rate-limit figures.
 * @packageDocumentation
 */

import type { Logger } from 'pino';
import type { RateLimitSnapshot } from './rate-limit-headers';

/** Fields of a retry/failure report. */
export interface AttemptFields {
  /** The call's key (its limit key, else `Class.method`). */
  readonly key: string;
  /** The request's `model` field, when present. */
  readonly model: string | undefined;
  /** Attempt number (1-based). */
  readonly attempt: number;
  /** HTTP status of the failure, if any. */
  readonly status: number | undefined;
  /** Classification reason (`rate-limited`, `server-error`, …). */
  readonly reason: string;
  /** Estimated tokens of the call, when it has a token budget. */
  readonly estimatedTokens: number | undefined;
}

/** Receives everything the runtime decides. */
export class Telemetry {
  /** @param logger - a pino logger (a silent one by default). */
  constructor(readonly logger: Logger) {}

  /** A call starts (after its keys are resolved). */
  started(_key: string): void {}

  /** A call ends, whatever the outcome. */
  finished(_key: string): void {}

  /** A call waited `waitMs` for capacity before an attempt. */
  waited(key: string, waitMs: number): void {
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ key, waitMs: Math.round(waitMs) }, 'waited for capacity');
  }

  /** A call starts waiting in a key's queue (first estimate of the wait). */
  queued(key: string, waitMs: number, queueLength: number): void {
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ key, waitMs: Math.round(waitMs), queueLength }, 'waiting for capacity');
  }

  /** The provider answered 429. */
  rateLimited(_key: string): void {}

  /** A retry is scheduled after `delayMs`. */
  retry(fields: AttemptFields, delayMs: number, retryAfterMs: number | undefined): void {
    this.logger.warn({ ...fields, delayMs: Math.round(delayMs), retryAfterMs }, 'llm call failed; retrying');
  }

  /** The call failed for good (`stop`: `not-retryable`, or a `RetryExhaustedError` reason). */
  failed(fields: AttemptFields, stop: string): void {
    this.logger.warn({ ...fields, stop }, 'llm call failed');
  }

  /** The limiter refused the call (`RateLimitExceededError` or `TokenBudgetExceededError`). */
  rejected(key: string, reason: string, retryAfterMs: number | undefined): void {
    this.logger.warn({ key, reason, retryAfterMs }, 'llm call rejected by limiter');
  }

  /** The key pauses dispatch until a 429's wait has passed. */
  cooldown(key: string, waitMs: number, source: string): void {
    this.logger.warn({ key, waitMs: Math.round(waitMs), source }, 'provider rate limit: key paused');
  }

  /** Rate-limit headers were read for the key. */
  observed(_key: string, _snapshot: RateLimitSnapshot): void {}

  /** The call succeeded. */
  succeeded(key: string, attempt: number, estimatedTokens: number | undefined, actualTokens: number | undefined): void {
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ key, attempt, estimatedTokens, actualTokens }, 'llm call succeeded');
  }
}
