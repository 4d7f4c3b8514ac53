/**
 * Time and randomness, injected so that backoff, jitter, deadlines and limiter waits are exact in tests.
 * @packageDocumentation
 */

import { performance } from 'node:perf_hooks';

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The clock the runtime reads and schedules with. Register your own (e.g. a fake) through `configureResilience`. */
export interface Clock {
  /** Milliseconds since the epoch; must never go backwards. */
  now(): number;
  /** Schedules `callback` after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer from {@link Clock.setTimeout}; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** A source of uniform random numbers in [0, 1). */
export type RandomSource = () => number;

const origin = performance.timeOrigin;
/**
 * `performance.now` bound once: the global `performance` is a lazy getter and the method checks its receiver,
 * which together cost more than the clock read itself on every call.
 */
const monotonicNow: () => number = performance.now.bind(performance);

/**
 * The default clock: epoch milliseconds that never go backwards (performance.timeOrigin + performance.now()),
 * real timers. Timers are referenced (not `unref`ed) because each belongs to a call someone is awaiting, and
 * every one is cleared when its call ends.
 */
export const systemClock: Clock = {
  now: () => origin + monotonicNow(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * {@link systemClock} with `unref`ed timers: for background work that must never keep a process alive (the Redis
 * store's heartbeat). Not part of the public API.
 */
export const backgroundClock: Clock = {
  now: () => origin + monotonicNow(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
