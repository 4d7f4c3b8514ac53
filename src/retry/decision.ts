/**
 * The retry decision after a failed attempt: pure, given the classification, the server's hint and the clock.
 * @packageDocumentation
 */

import { jitterAboveHint, nextBackoff, type BackoffOptions, type BackoffState } from './backoff';
import type { RandomSource } from '../clock';
import { RetryExhaustedError } from '../errors';
import type { WaitHint } from '../providers/wait-hints';

/** What the retry decision needs of a method's retry policy. */
export interface RetryPolicy extends BackoffOptions {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
}

/** Retry after `delayMs`; `state` is the backoff state to carry to the next failure. */
export interface RetryAfter {
  readonly delayMs: number;
  readonly state: BackoffState;
}

/**
 * Decides what follows a retryable failure of attempt `attempt`.
 * - Past `maxRetries`: `RetryExhaustedError` (`max-retries`).
 * - A server hint longer than `maxDelayMs`: `RetryExhaustedError` at once (`server-wait-exceeds-max-delay`) —
 *   never a silent long sleep, never a shorter retry the server said will fail.
 * - A server hint: wait the hint plus positive jitter (the hint is a floor), capped at `maxDelayMs`.
 * - Otherwise: exponential backoff with the policy's jitter.
 * - A delay that would pass the deadline: `RetryExhaustedError` (`deadline`).
 * @returns the delay, or the error to throw.
 */
export function decideRetry(
  policy: RetryPolicy,
  error: unknown,
  attempt: number,
  state: BackoffState,
  hint: WaitHint | undefined,
  now: number,
  deadline: number,
  random: RandomSource,
): RetryAfter | RetryExhaustedError {
  if (attempt > policy.maxRetries) return new RetryExhaustedError(attempt, 'max-retries', error);
  let delayMs: number;
  let next = state;
  if (hint !== undefined) {
    if (hint.ms > policy.maxDelayMs) {
      return new RetryExhaustedError(
        attempt,
        'server-wait-exceeds-max-delay',
        error,
        `the server asked for ${Math.ceil(hint.ms)} ms (${hint.source}), maxDelayMs is ${policy.maxDelayMs}`,
      );
    }
    delayMs = Math.min(policy.maxDelayMs, jitterAboveHint(hint.ms, random));
  } else {
    [delayMs, next] = nextBackoff(state, policy, random);
  }
  if (now + delayMs > deadline) {
    return new RetryExhaustedError(
      attempt,
      'deadline',
      error,
      `the next attempt would start ${Math.ceil(now + delayMs - deadline)} ms after the deadline`,
    );
  }
  return { delayMs, state: next };
}
