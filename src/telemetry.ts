/**
 * Structured logs of what the runtime decides: one JSON line per retry, wait, rejection, exhaustion and
 * cooldown, with the context an operator needs and never a secret or prompt text (only fields listed here).
 * @packageDocumentation
 */

import type { Logger } from 'pino';

/** Fields of a retry/failure log line. */
export interface AttemptFields {
  readonly key: string | undefined;
  readonly model: string | undefined;
  readonly attempt: number;
  readonly status: number | undefined;
  readonly reason: string;
  readonly estimatedTokens: number | undefined;
}

/** Logging front for the interceptor and limiter. */
export class Telemetry {
  /**
   * @param logger - a pino logger (a silent one by default).
   */
  constructor(readonly logger: Logger) {}

  /** A retry is scheduled after `delayMs`. */
  retry(fields: AttemptFields, delayMs: number, retryAfterMs: number | undefined): void {
    this.logger.warn({ ...fields, delayMs: Math.round(delayMs), retryAfterMs }, 'llm call failed; retrying');
  }

  /** The call failed for good (retries exhausted, or a non-retryable error). */
  failed(fields: AttemptFields, stop: string): void {
    this.logger.warn({ ...fields, stop }, 'llm call failed');
  }

  /** The limiter refused the call (`RateLimitExceededError` or `TokenBudgetExceededError`). */
  rejected(key: string, reason: string, retryAfterMs: number | undefined): void {
    this.logger.warn({ key, reason, retryAfterMs }, 'llm call rejected by limiter');
  }

  /** A call waits for capacity. */
  queued(key: string, waitMs: number, queueLength: number): void {
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ key, waitMs: Math.round(waitMs), queueLength }, 'waiting for capacity');
  }

  /** The key pauses dispatch until a 429's wait has passed. */
  cooldown(key: string, waitMs: number, source: string): void {
    this.logger.warn({ key, waitMs: Math.round(waitMs), source }, 'provider rate limit: key paused');
  }

  /** The call succeeded (debug level). */
  succeeded(key: string | undefined, attempt: number, estimatedTokens: number | undefined, actualTokens: number | undefined): void {
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ key, attempt, estimatedTokens, actualTokens }, 'llm call succeeded');
  }
}
