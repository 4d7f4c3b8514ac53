/**
 * Backoff as small pure functions: `(state, options, random) → [delay, nextState]`.
 * With `e = min(maxDelayMs, baseDelayMs · 2^n)` for retry number `n` (0 for the first retry):
 * - `full`: `U(0, e)` — the default: under contention it does the least total work and finishes soonest
 *   (AWS "Exponential Backoff and Jitter"), and the limiter in front already paces normal traffic.
 * - `equal`: `e/2 + U(0, e/2)` — never retries sooner than half the exponential delay.
 * - `decorrelated`: `min(maxDelayMs, U(baseDelayMs, 3 · previous))` — grows from the last delay, not the attempt count.
 * - `none`: `e` exactly.
 * @packageDocumentation
 */

import type { RandomSource } from '../clock';

/** Jitter strategy for retries without a server wait hint. */
export type JitterKind = 'full' | 'equal' | 'decorrelated' | 'none';

/** The jitter kinds accepted by `@AdaptiveRetry`. */
export const JITTER_KINDS: readonly JitterKind[] = ['full', 'equal', 'decorrelated', 'none'];

/** Inputs of a backoff computation. */
export interface BackoffOptions {
  /** Base delay in ms. */
  readonly baseDelayMs: number;
  /** Upper bound of any delay in ms. */
  readonly maxDelayMs: number;
  /** Jitter strategy. */
  readonly jitter: JitterKind;
}

/** State carried between retries of one call. */
export interface BackoffState {
  /** Retries already scheduled (0 before the first retry). */
  readonly retry: number;
  /** The previous delay (decorrelated jitter grows from it); `baseDelayMs` initially. */
  readonly previousMs: number;
}

/** The state before the first retry. */
export function initialBackoff(options: BackoffOptions): BackoffState {
  return { retry: 0, previousMs: options.baseDelayMs };
}

/**
 * The next delay and the state after it.
 * @param state - where the call is in its retries.
 * @param options - base, cap and jitter.
 * @param random - uniform [0, 1) source.
 * @returns `[delayMs, nextState]`, delay within `[0, maxDelayMs]`.
 */
export function nextBackoff(
  state: BackoffState,
  options: BackoffOptions,
  random: RandomSource,
): [number, BackoffState] {
  const { baseDelayMs: base, maxDelayMs: cap } = options;
  // 2^n overflows to Infinity for large n; min() keeps it at the cap.
  const exponential = Math.min(cap, base * 2 ** state.retry);
  let delay: number;
  switch (options.jitter) {
    case 'full':
      delay = random() * exponential;
      break;
    case 'equal':
      delay = exponential / 2 + (random() * exponential) / 2;
      break;
    case 'decorrelated': {
      const upper = Math.max(base, state.previousMs * 3);
      delay = Math.min(cap, base + random() * (upper - base));
      break;
    }
    case 'none':
      delay = exponential;
      break;
  }
  return [delay, { retry: state.retry + 1, previousMs: delay }];
}

/**
 * Positive jitter added on top of a server-directed wait, so clients told the same `retry-after-ms` do not all
 * wake on the same millisecond: `hint + U(0, max(50 ms, hint / 4))`, never below the hint.
 * @param hintMs - the server's wait.
 * @param random - uniform [0, 1) source.
 */
export function jitterAboveHint(hintMs: number, random: RandomSource): number {
  return hintMs + random() * Math.max(50, hintMs / 4);
}
